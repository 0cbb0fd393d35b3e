// The report of the ordering phase: FIFO throughput to one endpoint against unordered.
import { fmt, mdTable, mmm } from '../lib/util.mjs';

function figures(results) {
  const o = results.ordering;
  if (!o?.none?.length || !o?.fifo?.length) return null;
  const none = mmm(o.none.map((r) => r.rate));
  const fifo = mmm(o.fifo.map((r) => r.rate));
  return { o, none, fifo, ratio: fifo.median / none.median };
}

export function headlines(results) {
  const f = figures(results);
  if (!f) return [];
  return [
    `**Ordered delivery:** one endpoint with \`ordering: "fifo"\` and one key takes ${fmt(f.fifo.median)} deliveries/s against ${fmt(f.none.median)} unordered: ${fmt(f.ratio * 100, 1)} % of the unordered rate (one delivery in flight instead of ${fmt(f.o.concurrency)}).`,
  ];
}

export function section(results) {
  const f = figures(results);
  if (!f) return [];
  const row = (label, runs, m) => [label, fmt(m.median), `${fmt(m.min)}–${fmt(m.max)}`, runs.every((r) => r.complete) ? 'yes' : 'NO'];
  return [
    '## Ordered delivery (FIFO) against unordered',
    '',
    `One endpoint, ${fmt(f.o.events)} events per run in batches of ${fmt(f.o.batchSize)}, worker concurrency ${fmt(f.o.concurrency)} per endpoint, the two interleaved run by run. The fifo endpoint gets every event on its one default key, so exactly one delivery is in flight at a time: each waits for the one before it to be recorded (PostgreSQL) and handed on (its job promoted in Redis). Events with different \`ordering_key\`s run in parallel up to the concurrency, so this is the floor, not the typical case.`,
    '',
    mdTable(['Ordering', 'Deliveries/s (median)', 'min–max', 'all delivered'], [row('none', f.o.none, f.none), row('fifo, one key', f.o.fifo, f.fifo)]),
    '',
    `FIFO / unordered: **${fmt(f.ratio * 100, 1)} %**.`,
    '',
  ];
}
