// What a Herald service's own event loop went through during a run, from its /metrics (prom-client's
// default metrics, which every service registers with the prefix herald_): garbage collection pauses
// by kind (nodejs_gc_duration_seconds, a histogram) and the event-loop delay (nodejs_eventloop_lag_*,
// Node's monitorEventLoopDelay, which prom-client resets at each scrape). For ingest also its own
// answer times (herald_http_request_duration_seconds, POST /api/v1/events answered 202) and the part
// of them spent storing the events (herald_ingest_store_duration_seconds); for the worker how long
// first tries' jobs waited in Redis for it (herald_delivery_queue_wait_seconds). Scraped right before a
// run's load starts (and again at the end of its warm-up, when asked) and right after it drained,
// the difference is the run's.

const PREFIX = 'herald_nodejs_';
const ANSWERS = 'herald_http_request_duration_seconds_bucket';
const STORE = 'herald_ingest_store_duration_seconds_bucket';
const QUEUE_WAIT = 'herald_delivery_queue_wait_seconds_bucket';
// The answers counted: single events accepted, the latency phase's requests.
const isAcceptedEvent = (labels) => labels.route === '/api/v1/events' && labels.status === '202';
// The histogram bucket whose complement counts the pauses longer than 10 ms (prom-client's default buckets).
const LONG_PAUSE_LE = '0.01';
// prom-client's event-loop monitor resolution: the histogram records each interval between its timer's runs, so an
// idle loop reads 10 ms; what is above that is the delay.
const LOOP_RESOLUTION_MS = 10;
const delayOf = (seconds) => Math.max(0, seconds * 1000 - LOOP_RESOLUTION_MS);

/** The samples of a Prometheus text exposition: [{ name, labels, value }]. */
function parseSamples(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('herald_')) continue;
    const match = /^([a-zA-Z0-9_:]+)(?:\{([^}]*)\})? ([^ ]+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** GC pauses so far by kind (count, total ms, how many took up to 10 ms) and the event-loop delay (p99, max) since the last scrape. */
function readRuntime(text) {
  const gc = {};
  let loopP99Ms = null;
  let loopMaxMs = null;
  // Cumulative bucket counts by upper bound (seconds), summed over the series counted.
  const answers = new Map();
  const store = new Map();
  const queueWait = new Map();
  const add = (buckets, le, value) => {
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value);
  };
  for (const { name, labels, value } of parseSamples(text)) {
    if (name === ANSWERS && isAcceptedEvent(labels)) add(answers, labels.le, value);
    else if (name === STORE) add(store, labels.le, value);
    else if (name === QUEUE_WAIT && labels.kind === 'webhook') add(queueWait, labels.le, value);
    const kind = labels.kind;
    if (name === `${PREFIX}gc_duration_seconds_count`) (gc[kind] ??= {}).count = value;
    else if (name === `${PREFIX}gc_duration_seconds_sum`) (gc[kind] ??= {}).ms = value * 1000;
    else if (name === `${PREFIX}gc_duration_seconds_bucket` && labels.le === LONG_PAUSE_LE) (gc[kind] ??= {}).upTo10ms = value;
    else if (name === `${PREFIX}eventloop_lag_p99_seconds`) loopP99Ms = delayOf(value);
    else if (name === `${PREFIX}eventloop_lag_max_seconds`) loopMaxMs = delayOf(value);
  }
  return { at: performance.now(), gc, loopP99Ms, loopMaxMs, answers, store, queueWait };
}

/**
 * The q-quantile in ms of what a histogram counted between two scrapes (cumulative counts by upper
 * bound), interpolated linearly inside its bucket as Prometheus's histogram_quantile does; null
 * when it counted nothing. Only as fine as the buckets (packages/http ANSWER_BUCKETS).
 */
function windowQuantileMs(before, after, q) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => after.get(le) - (before.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (!total) return null;
  const rank = q * total;
  let [lower, below] = [0, 0];
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i] >= rank) {
      if (!Number.isFinite(bounds[i])) return lower * 1000;
      return (lower + (bounds[i] - lower) * ((rank - below) / (counts[i] - below || 1))) * 1000;
    }
    [lower, below] = [bounds[i], counts[i]];
  }
  return null;
}

/** One service's runtime figures now, or null when its /metrics does not answer. */
async function scrape(url) {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? readRuntime(await response.text()) : null;
  } catch {
    return null;
  }
}

/**
 * Starts watching services ({ name: baseUrl }): scrapes each now (which also resets its
 * event-loop delay histogram); `restart()` scrapes again and starts the window there (the end of a
 * warm-up); `stop()` scrapes again and resolves per service with the window's length, its GC pauses
 * (all kinds: count, total ms, longer than 10 ms), the event-loop delay p99 and max over the window,
 * for ingest the p99 of its answers and of their store step, and for the worker the p99 of its
 * first tries' wait in Redis. A service that did not answer either time is left out.
 */
export async function watchRuntime(urls) {
  const names = Object.keys(urls);
  let before = await Promise.all(names.map((name) => scrape(urls[name])));
  return {
    async restart() {
      before = await Promise.all(names.map((name) => scrape(urls[name])));
    },
    async stop() {
      const after = await Promise.all(names.map((name) => scrape(urls[name])));
      const out = {};
      names.forEach((name, i) => {
        const [b, a] = [before[i], after[i]];
        if (!b || !a) return;
        const gc = { count: 0, ms: 0, over10ms: 0 };
        for (const [kind, now] of Object.entries(a.gc)) {
          const was = b.gc[kind] ?? { count: 0, ms: 0, upTo10ms: 0 };
          const count = now.count - was.count;
          gc.count += count;
          gc.ms += now.ms - was.ms;
          gc.over10ms += count - (now.upTo10ms - was.upTo10ms);
        }
        out[name] = {
          windowMs: a.at - b.at,
          gc,
          loopP99Ms: a.loopP99Ms,
          loopMaxMs: a.loopMaxMs,
          answerP99Ms: windowQuantileMs(b.answers, a.answers, 0.99),
          storeP99Ms: windowQuantileMs(b.store, a.store, 0.99),
          queueWaitP99Ms: windowQuantileMs(b.queueWait, a.queueWait, 0.99),
        };
      });
      return out;
    },
  };
}
