// @ts-check
// The private Redis of `npm start`: redis-server as a child process on a free local port,
// its append-only file in .herald/redis so queued deliveries outlive a restart, and a password
// made afresh at each start (nothing stored depends on it) in a config file only we can read.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ask } from './net.mjs';
import { isRunning, lastLogLine, waitGone } from './processes.mjs';
import { dirsWith, searchDirs } from './server-binaries.mjs';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * The files of the private Redis under the state folder.
 *
 * @param {string} stateDir
 */
export function redisPaths(stateDir) {
  const dir = path.join(stateDir, 'redis');
  return { dir, config: path.join(dir, 'redis.conf'), pid: path.join(dir, 'redis.pid'), log: path.join(dir, 'server.log') };
}

/**
 * @typedef {object} RedisBin
 * @property {string} path
 * @property {string} version
 */

/**
 * Finds redis-server (see server-binaries.mjs for where).
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ ok: true, bin: RedisBin } | { ok: false, missing: true }}
 */
export function findRedis(env) {
  const [dir] = dirsWith(searchDirs(env), ['redis-server']);
  if (!dir) return { ok: false, missing: true };
  const file = path.join(dir, 'redis-server');
  const output = spawnSync(file, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return { ok: true, bin: { path: file, version: /v=(\S+)/.exec(output)?.[1] ?? 'unknown' } };
}

/** A Redis command in RESP, safe for any argument. */
const command = (/** @type {string[]} */ ...args) => args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).reduce((all, part) => all + part, `*${args.length}\r\n`);

/** A string for redis.conf, quoted. */
const quoted = (/** @type {string} */ value) => `"${value.replace(/[\\"]/g, '\\$&')}"`;

/**
 * What answers at host:port to PING (after AUTH with `password`, if given): `ready`,
 * `password` (authentication needed or refused), `loading` (still reading its data),
 * `refused` (another error), `closed` (nothing listens) or `silent` (no Redis answer).
 *
 * @param {{ host: string, port: number }} target
 * @param {string} [password]
 * @returns {Promise<'ready' | 'password' | 'loading' | 'refused' | 'closed' | 'silent'>}
 */
export function probeRedis(target, password) {
  const request = (password ? command('AUTH', password) : '') + command('PING');
  const replies = password ? 2 : 1;
  return ask(target, Buffer.from(request), (received) => {
    const lines = received.toString('latin1').split('\r\n');
    for (const line of lines.slice(0, -1)) {
      if (/^-(NOAUTH|WRONGPASS)/.test(line)) return 'password';
      if (line.startsWith('-LOADING')) return 'loading';
      if (line.startsWith('-')) return 'refused';
      if (!line.startsWith('+')) return 'silent';
    }
    if (lines.length - 1 < replies) return undefined;
    return lines[replies - 1] === '+PONG' ? 'ready' : 'silent';
  });
}

/**
 * Stops a redis-server an earlier `npm start` left running on this data (it was killed
 * before it could stop it). Resolves to its pid, if any.
 *
 * @param {string} stateDir
 * @returns {Promise<number | undefined>}
 */
export async function stopLeftoverRedis(stateDir) {
  const { pid: pidFile } = redisPaths(stateDir);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!isRunning(pid, 'redis')) return undefined;
  process.kill(pid, 'SIGTERM');
  if (!(await waitGone(pid, STOP_TIMEOUT_MS))) process.kill(pid, 'SIGKILL');
  return pid;
}

/**
 * Starts the private Redis on 127.0.0.1:`port` and waits until it answers PING.
 *
 * @param {{ stateDir: string, bin: RedisBin, port: number, log: (message: string) => void }} options
 * @returns {Promise<{ ok: true, server: import('./local-postgres.mjs').LocalServer } | { ok: false, message: string }>}
 */
export async function startRedis({ stateDir, bin, port, log }) {
  const paths = redisPaths(stateDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const leftover = await stopLeftoverRedis(stateDir);
  if (leftover) log(`stopped the redis-server (pid ${leftover}) an earlier npm start left running on ${paths.dir}`);

  const password = randomBytes(24).toString('hex');
  const config = [
    'bind 127.0.0.1',
    `port ${port}`,
    `dir ${quoted(paths.dir)}`,
    'appendonly yes',
    'save ""',
    `requirepass ${password}`,
    `pidfile ${quoted(paths.pid)}`,
    `logfile ${quoted(paths.log)}`,
  ];
  writeFileSync(paths.config, `# Written by npm start (scripts/lib/local-redis.mjs) at each start.\n${config.join('\n')}\n`, { mode: 0o600 });

  // Its own process group: a terminal Ctrl-C reaches npm start, which stops Redis after Herald.
  const child = spawn(bin.path, [paths.config], { cwd: paths.dir, stdio: 'ignore', detached: true });
  const exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', resolve);
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const target = { host: '127.0.0.1', port };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let state = 'closed';
  while (!gone && Date.now() < deadline) {
    state = await probeRedis(target, password);
    if (state === 'ready') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (state !== 'ready') {
    if (!gone) child.kill('SIGKILL');
    await exited;
    return { ok: false, message: `redis-server did not start (${paths.log}): ${lastLogLine(paths.log) || state}` };
  }

  let stopping;
  return {
    ok: true,
    server: {
      url: `redis://:${password}@127.0.0.1:${port}`,
      version: bin.version,
      port,
      stop() {
        stopping ??= (async () => {
          if (gone) return;
          // SIGTERM: Redis flushes its append-only file and exits.
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        })();
        return stopping;
      },
      stopNow() {
        if (!gone) child.kill('SIGTERM');
      },
    },
  };
}
