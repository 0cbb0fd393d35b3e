// The report of the fan-in phase: its headline, the connections and idle-cost chart panels,
// and its section.
import { barChart, COLORS, lineChart } from '../lib/svg.mjs';
import { fmt, fmtBytes, mdTable } from '../lib/util.mjs';

export function headlines(results) {
  const out = [];
  const f = results.fanin;
  if (f?.peakWorkerConnections !== undefined) {
    const idle = f.idle ?? [];
    out.push(
      `**Fan-in:** ${fmt(f.active)} endpoints with work out of ${fmt(f.registered)}: the worker peaked at ${fmt(f.peakWorkerConnections)} Redis connections (${fmt((f.peakWorkerConnections - f.constantConnections) / f.active, 2)} per active endpoint + ${fmt(f.constantConnections)}), back to ${fmt(f.finalWorkerConnections)} afterwards${f.droppedAt ? ` (after ${fmt(f.droppedAt - f.deliveredAt, 0)} s)` : ''}. Idle, the worker sends ${idle.map((w) => `${fmt(w.workerCommandsPerSecond, 2)} cmd/s (${w.label})`).join(', ')}${idle.length >= 2 ? (idle[1].workerCommandsPerSecond <= idle[0].workerCommandsPerSecond + 0.15 ? ': idle endpoints cost no Redis commands beyond the constant sweep' : `: ${fmt(idle[1].workerCommandsPerSecond - idle[0].workerCommandsPerSecond, 2)} cmd/s more with idle endpoints than without`) : ''}.`,
    );
  }
  return out;
}

/** Chart panel: the worker's Redis connections and the endpoints waiting in the ready set through the burst. */
export function connectionsPanel(results, s, box) {
  const f = results.fanin;
  if (!f?.series?.length) return '';
  return lineChart({
    ...box,
    title: '4. Worker fan-in: Redis connections vs endpoints with work',
    subtitle: `${fmt(f.registered)} endpoints registered, ${fmt(f.active)} get ${f.perEndpoint} events each\npeak ${f.peakWorkerConnections} connections, idle ${f.constantConnections}; ready set peak ${fmt(f.peakReady)} endpoints`,
    xUnit: 'seconds since the first event',
    yUnit: 'count',
    series: [
      { label: 'worker Redis connections', color: COLORS.herald, points: f.series.map((p) => [p.t, p.worker]) },
      { label: 'endpoints waiting in the ready set', color: COLORS.bad, dash: '6 3', points: f.series.map((p) => [p.t, p.ready ?? p.activeSet]) },
    ],
    markers: [
      { x: f.ingestDoneAt, label: 'ingest done' },
      { x: f.deliveredAt, label: 'all delivered' },
    ],
  });
}

/** Chart panel: Redis commands/s the worker sends while idle. */
export function idlePanel(results, s, box) {
  const f = results.fanin;
  if (!f?.idle?.length) return '';
  return barChart({
    ...box,
    title: '6. Idle cost: Redis commands/s sent by the worker',
    subtitle: `${f.idle[0].seconds} s windows, attributed by MONITOR to the worker's own connections\n(timer promotion every 50 ms, fleet lease, reconciler every 30 s)`,
    unit: 'commands/s',
    decimals: 2,
    groups: f.idle.map((w) => ({ label: w.label.replace(' endpoints', ' ep.').replace(' (control)', '\n(control)').replace(' after the burst', '\nafter burst').replace(' idle ep.', ' ep.\nidle'), bars: [{ label: 'cmd/s', value: w.workerCommandsPerSecond, color: COLORS.herald }] })),
  });
}

export function section(results) {
  const f = results.fanin;
  if (!f) return [];
  const P = results.params;
  const L = [];
  L.push('## Worker fan-in at scale');
  L.push('');
  L.push(
    `A clean database and prefix and a fresh worker (concurrency ${f.workerConcurrency}). ${fmt(f.registered)} endpoints registered through the api in ${fmt(f.createSeconds, 0)} s: ${fmt(f.active)} in one tenant, each with its own event type, and ${fmt(f.registered - f.active)} in another tenant subscribed to a type nobody sends. Then ${fmt(f.active)} × ${f.perEndpoint} = ${fmt(f.events ?? f.active * f.perEndpoint)} events (${f.perEndpoint} per endpoint, sized to ~${P.faninBurstSeconds} s at the measured batch rate) in batches of ${P.batchSize} (each batch covers 100 endpoints). Redis connections are sampled every 0.5 s from CLIENT LIST, attributed to the worker by its sockets.`,
  );
  L.push('');
  if (f.peakWorkerConnections !== undefined) {
    L.push(
      mdTable(
        ['Measure', 'Value'],
        [
          ['worker connections, idle (control, 0 endpoints)', fmt(f.constantConnections)],
          [`worker connections, peak while ${fmt(f.active)} endpoints had work`, `**${fmt(f.peakWorkerConnections)}** at ${fmt(f.peakAt, 1)} s (${Object.entries(f.peakByName ?? {}).map(([k, v]) => `${k} ×${v}`).join(', ')})`],
          ['peak number of endpoints waiting in the ready set', fmt(f.peakReady ?? f.peakActiveSet)],
          ['connections per active endpoint at the peak (minus the constant)', fmt((f.peakWorkerConnections - f.constantConnections) / f.active, 2)],
          ['ingest finished / all delivered', `${fmt(f.ingestDoneAt, 1)} s / ${fmt(f.deliveredAt, 1)} s (${fmt(f.rate, 0)} events/s overall)`],
          ['worker connections after the work was done', `${fmt(f.finalWorkerConnections)}${f.droppedAt ? ` (back to ≤ constant + 2 at ${fmt(f.droppedAt, 1)} s)` : ' (did not drop within 45 s)'}`],
          ['BullMQ Workers started during the burst (CLIENT SETNAME of a blocking connection, seen by MONITOR; the dispatcher starts none)', fmt(f.workersStarted)],
          ['Redis commands per event during the burst', `worker ${fmt(f.burstWorkerCommandsPerEvent, 2)}, ingest ${fmt(f.burstIngestCommandsPerEvent, 2)}`],
          ['worker peak RSS during the burst', fmtBytes(f.peakWorkerRss)],
          ['receiver: unique deliveries / duplicates', `${fmt(f.receiver?.unique)} / ${fmt(f.receiver?.duplicates)}`],
        ],
      ),
    );
    L.push('');
  }
  if (f.peakByName) {
    L.push(
      `Connection names at the peak: ${Object.entries(f.peakByName).map(([k, v]) => `\`${k}\` ×${v}`).join(', ')}. The worker's connections do not grow with the endpoints that have work: its dispatcher takes jobs from every endpoint's queue with a bounded pool of slots over the same few connections (docs/architecture.md, "The worker fleet").`,
    );
    L.push('');
  }
  if (f.idle?.length) {
    L.push(`Idle cost, ${f.idle[0].seconds} s windows. "Worker" counts every command the worker's connections sent (MONITOR, attributed by client port); "whole Redis" is the INFO commandstats total for the shared server (other users included, so only an upper bound).`);
    L.push('');
    L.push(
      mdTable(
        ['Window', 'worker cmd/s', 'worker commands (count over the window)', 'worker connections', 'whole Redis cmd/s'],
        f.idle.map((w) => [
          w.label,
          fmt(w.workerCommandsPerSecond, 2),
          Object.entries(w.workerCommands)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none',
          fmt(w.workerConnections),
          fmt(w.globalCommandsPerSecond, 1),
        ]),
      ),
    );
    L.push('');
  }
  return L;
}
