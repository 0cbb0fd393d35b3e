// Small helpers shared by the benchmark scripts. Plain Node ESM, no dependencies.
import net from 'node:net';

/**
 * Milliseconds of CLOCK_MONOTONIC (process.hrtime) with µs precision: one clock for every process
 * on the machine, so times taken in the load generator, the receiver and the orchestrator compare.
 * Not the wall clock: a machine whose wall clock is stepped mid-run (seen here: 3.3 s at once)
 * would shift the processes started after the step against those started before it
 * (`performance.timeOrigin` is read once, at each process's start).
 */
export const hrNow = () => Number(process.hrtime.bigint() / 1000n) / 1000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ports freePort() handed out in this process: the services bind them later. */
const handedOut = new Set();

/**
 * A TCP port nobody listens on right now (bound on 0.0.0.0 like the services bind), and not
 * handed out before by this process: the port is free again once we close it, so the system
 * could give it twice before a service binds it (two services on one port; seen once, as the
 * api's routes answering 404 from ingest).
 */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => {
        const { port } = server.address();
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Percentile (0..100) of an ascending-sorted numeric array (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Summary of a list of samples: n, mean, p50, p90, p99, p999, max. */
export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return { n: 0, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1],
  };
}

/** Median with min and max of repeated runs (nulls ignored). */
export function mmm(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: null, min: null, max: null, n: 0, values: [] };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length, values };
}

/** Formats a number with a fixed number of decimals, or '–' for null. */
export function fmt(value, decimals = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** `median (min–max)` of an mmm() result; just the value when there was one run. */
export function fmtMmm(m, decimals = 0, unit = '') {
  if (!m || m.median === null) return '–';
  if (m.n <= 1) return `${fmt(m.median, decimals)}${unit}`;
  return `${fmt(m.median, decimals)}${unit} (${fmt(m.min, decimals)}–${fmt(m.max, decimals)})`;
}

/** A share (0..1) as a percentage, or '–' for null. */
export const pct = (x, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${fmt(100 * x, d)} %`);

/** fmtMmm() for shares: `median % (min–max %)`. */
export const pctMmm = (m) => (!m || m.median === null ? '–' : m.n <= 1 ? pct(m.median) : `${pct(m.median)} (${pct(m.min)}–${pct(m.max)})`);

export function fmtBytes(bytes) {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  if (Math.abs(bytes) >= 1024 * 1024) return `${fmt(bytes / 1024 / 1024, 1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${fmt(bytes / 1024, 1)} KiB`;
  return `${fmt(bytes, 0)} B`;
}

/** A Markdown table: the first column left-aligned, the others right-aligned. */
export function mdTable(headers, rows) {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Runs `fn` over `items` with at most `limit` in flight; resolves the results in order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** A JSON call; throws on a non-2xx answer unless `ok` accepts the status. */
export async function callJson(baseUrl, method, path, { token, body, ok } = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  const accept = ok ?? ((status) => status >= 200 && status < 300);
  if (!accept(response.status)) {
    throw new Error(`${method} ${path} answered ${response.status}: ${typeof parsed === 'string' ? parsed : JSON.stringify(parsed)}`.slice(0, 500));
  }
  return parsed;
}

/** Polls `check` every `intervalMs` until it returns a truthy value or `timeoutMs` passes (then returns null). */
export async function waitFor(check, { timeoutMs, intervalMs = 100 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() >= deadline) return null;
    await sleep(intervalMs);
  }
}

/** `YYYY-MM-DD` and a compact timestamp in local time. */
export function stamps(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const compact = `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}_${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
  return { day, compact };
}
