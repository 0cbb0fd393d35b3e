// Two costs of the machine that the bare pipeline's CPU per event does not show, measured before
// any load so that runs on different machines can be told apart: how long PostgreSQL takes to
// commit one small row (every 202 of ingest waits for one), with and without waiting for the WAL
// flush, and what touching memory for the first time costs (a garbage collector copying into
// fresh pages pays it).
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { percentile, sleep } from './util.mjs';

const COMMITS = 400;
const COMMIT_GAP_MS = 5;

/** p50/p99 (ms) of `COMMITS` single-row INSERTs, one every COMMIT_GAP_MS, each its own transaction. */
async function timeCommits(client, table) {
  const ms = [];
  for (let i = 0; i < COMMITS; i++) {
    const t0 = process.hrtime.bigint();
    await client.query(`INSERT INTO ${table} (note) VALUES ($1)`, ['x'.repeat(200)]);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await sleep(COMMIT_GAP_MS);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

/**
 * Commit latency in `dbUrl` (a table of its own, dropped afterwards): as every commit is made
 * (`synchronous_commit` as the server has it), and with the session's `synchronous_commit = off`,
 * which answers before the WAL flush. The difference is what waiting for the disk adds.
 */
export async function commitLatency(dbUrl) {
  const client = new pg.Client({ connectionString: dbUrl, application_name: 'herald-bench' });
  await client.connect();
  const table = 'bench_commit_probe';
  try {
    await client.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, note text NOT NULL)`);
    const durable = await timeCommits(client, table);
    await client.query('SET synchronous_commit = off');
    const unflushed = await timeCommits(client, table);
    return { commits: COMMITS, gapMs: COMMIT_GAP_MS, durable, unflushed };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await client.end();
  }
}

const TOUCH_SCRIPT = `
const size = 64 * 2 ** 20;
const buf = Buffer.allocUnsafeSlow(size);
const time = () => { const t0 = process.hrtime.bigint(); for (let i = 0; i < size; i += 4096) buf[i] = 1; return Number(process.hrtime.bigint() - t0) / 1e3; };
const first = time();
const again = time();
process.stdout.write(JSON.stringify({ pages: size / 4096, firstUs: first, againUs: again }));
`;

/** µs per 4 KiB page to touch 64 MiB the process never used, less touching it again (in a child process of its own). */
export function firstTouchCost() {
  const out = spawnSync(process.execPath, ['-e', TOUCH_SCRIPT], { encoding: 'utf8', timeout: 30_000 });
  if (out.status !== 0) return null;
  const { pages, firstUs, againUs } = JSON.parse(out.stdout);
  return { usPerPage: (firstUs - againUs) / pages, pages };
}
