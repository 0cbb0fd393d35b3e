// The benchmark's own database and Redis keys, and facts about the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { NODE_ARGS } from './stack.mjs';

export const SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = 'redis://127.0.0.1:6379';

export function databaseUrl(name) {
  return `postgresql://postgres@127.0.0.1:5432/${name}`;
}

/**
 * A run's own places, named by its timestamp (`--cleanup-stale` finds leftovers by these names):
 * database, Redis prefixes (Herald's and the baseline's), an empty temp dir, and its raw and log dirs.
 */
export function runPlaces(compact, rawDir) {
  const dbName = `herald_bench_${compact}`;
  return {
    redisUrl: REDIS_URL,
    dbName,
    dbUrl: databaseUrl(dbName),
    prefix: `herald-bench-${compact}`,
    basePrefix: `herald-bench-${compact}-base`,
    tmpDir: mkdtempSync(path.join(os.tmpdir(), 'herald-bench-')),
    rawDir,
    logDir: path.join(rawDir, 'logs'),
  };
}

/** Creates and migrates the database with the repo's own script (as `npm start` does). */
export function setupDatabase(root, url) {
  const result = spawnSync(process.execPath, ['scripts/db-setup.mjs'], {
    cwd: root,
    env: { PATH: process.env.PATH, DATABASE_URL: url },
    encoding: 'utf8',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`node scripts/db-setup.mjs failed:\n${output}`);
  return output.trim();
}

async function onServer(fn) {
  const client = new pg.Client({ connectionString: SERVER_URL, application_name: 'herald-bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name) => `"${name.replace(/"/g, '""')}"`;

export function dropDatabase(name) {
  return onServer((client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

export function listBenchDatabases() {
  return onServer(async (client) => (await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'herald\\_bench\\_%'`)).rows.map((r) => r.datname));
}

/** Deletes every key matching `pattern`; resolves how many were removed. */
export async function deleteKeys(redis, pattern) {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

/** Sum of MEMORY USAGE over every key matching `pattern`, and the key count. */
export async function keysMemory(redis, pattern) {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (batch.length) {
      const pipeline = redis.pipeline();
      for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', '0');
      for (const [error, value] of await pipeline.exec()) {
        if (!error && typeof value === 'number') {
          bytes += value;
          keys++;
        }
      }
    }
  } while (cursor !== '0');
  return { bytes, keys };
}

export function parseInfo(text) {
  const out = {};
  for (const line of text.split('\r\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Total calls over all commands in INFO commandstats. */
export async function commandCalls(redis) {
  const info = parseInfo(await redis.info('commandstats'));
  const byCommand = {};
  let total = 0;
  for (const [key, value] of Object.entries(info)) {
    const m = /calls=(\d+)/.exec(value);
    if (!m) continue;
    byCommand[key.replace('cmdstat_', '')] = Number(m[1]);
    total += Number(m[1]);
  }
  return { total, byCommand };
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** What the report says about the machine and the tree. */
export async function machineFacts(root, redis) {
  const pgVersion = await onServer(async (c) => (await c.query('SHOW server_version')).rows[0].server_version);
  const redisInfo = parseInfo(await redis.info('server'));
  const memInfo = parseInfo(await redis.info('memory'));
  const gitCommit = run('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['-C', root, 'status', '--porcelain']);
  const versionOf = (pkg) => {
    try {
      return JSON.parse(readFileSync(`${root}/node_modules/${pkg}/package.json`, 'utf8')).version;
    } catch {
      return '?';
    }
  };
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memTotalBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    serviceNodeArgs: NODE_ARGS,
    postgres: pgVersion,
    redis: redisInfo.redis_version,
    redisMaxmemory: memInfo.maxmemory,
    redisPid: Number(redisInfo.process_id),
    packages: Object.fromEntries(['bullmq', 'ioredis', 'got', 'express', 'zod', 'pg', '@prisma/client'].map((p) => [p, versionOf(p)])),
    git: gitCommit ? `${gitCommit}${dirty ? ` (+${dirty.split('\n').length} uncommitted files)` : ''}` : '?',
    loadAvgStart: os.loadavg(),
  };
}
