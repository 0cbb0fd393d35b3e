// @ts-check
// The private PostgreSQL of `npm start`: one cluster in .herald/postgres, made once with
// initdb, started with `pg_ctl start` on a free local port and stopped with `pg_ctl stop`.
//
// It listens on 127.0.0.1 only, has no Unix socket (its folder may be too deep for one, and a
// normal user cannot write the distribution's socket folder), and asks for a password
// (scram-sha-256) generated at initdb and kept in .herald/postgres/password.
//
// PostgreSQL refuses to run as root. When `npm start` runs as root (CI, containers) the
// cluster belongs to another user, `postgres` where that exists, else `nobody`, and initdb and
// pg_ctl run as that user: Node's spawn sets uid and gid itself, so no sudo/su/runuser is needed.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isRunning, lastLine, lastLogLine, run, runSync, waitGone } from './processes.mjs';
import { ask } from './net.mjs';
import { dirsWith, searchDirs } from './server-binaries.mjs';

/** The superuser initdb creates, and the user of DATABASE_URL. */
const SUPERUSER = 'postgres';
/** The database Herald uses, as in its default DATABASE_URL (scripts/db-setup.mjs creates it). */
const DATABASE = 'herald';
const START_TIMEOUT_S = 60;
const STOP_TIMEOUT_MS = 60_000;

/**
 * The files of the private cluster under the state folder.
 *
 * @param {string} stateDir
 */
export function postgresPaths(stateDir) {
  const dir = path.join(stateDir, 'postgres');
  return {
    dir,
    /** The cluster, once initdb has finished; initdb works in `staging` and it is renamed. */
    data: path.join(dir, 'data'),
    staging: path.join(dir, 'data.init'),
    password: path.join(dir, 'password'),
    log: path.join(dir, 'server.log'),
  };
}

/**
 * @typedef {object} PostgresBin
 * @property {string} dir folder holding initdb, pg_ctl and postgres
 * @property {string} version e.g. `15.20`
 */

/** `15` for 15.20, `9.6` for 9.6.24: how PG_VERSION names a cluster's version. */
const majorOf = (/** @type {string} */ version) => {
  const [first, second] = version.split('.');
  return Number(first) >= 10 ? first : `${first}.${second}`;
};

/** @param {string} dir */
function versionIn(dir) {
  const result = spawnSync(path.join(dir, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
  return /\(PostgreSQL\)\s+(\d+(?:\.\d+)*)/.exec(result.stdout ?? '')?.[1] ?? 'unknown';
}

/**
 * Finds initdb, pg_ctl and postgres (see server-binaries.mjs for where). An existing cluster
 * needs the major version that made it: PostgreSQL cannot open another's data.
 *
 * @param {NodeJS.ProcessEnv} env
 * @param {string} stateDir
 * @returns {{ ok: true, bin: PostgresBin } | { ok: false, missing: true } | { ok: false, missing: false, message: string }}
 */
export function findPostgres(env, stateDir) {
  const dirs = dirsWith(searchDirs(env), ['initdb', 'pg_ctl', 'postgres']);
  if (dirs.length === 0) return { ok: false, missing: true };
  const { data } = postgresPaths(stateDir);
  const wanted = existsSync(path.join(data, 'PG_VERSION')) ? readFileSync(path.join(data, 'PG_VERSION'), 'utf8').trim() : undefined;
  if (!wanted) return { ok: true, bin: { dir: dirs[0], version: versionIn(dirs[0]) } };
  const found = dirs.map((dir) => ({ dir, version: versionIn(dir) }));
  const match = found.find((bin) => majorOf(bin.version) === wanted);
  if (match) return { ok: true, bin: match };
  const have = [...new Set(found.map((bin) => majorOf(bin.version)))].join(', ');
  return {
    ok: false,
    missing: false,
    message: `${path.relative(process.cwd(), data) || data} was made by PostgreSQL ${wanted}, and only PostgreSQL ${have} is installed: install PostgreSQL ${wanted}, or start afresh with \`npm start -- --reset\``,
  };
}

/**
 * @typedef {import('./processes.mjs').RunAs & { name: string }} ServerUser
 */

/**
 * Who runs the cluster: null for ourselves; when we are root, the owner of an existing
 * cluster folder, else the first of `postgres` and `nobody` that exists.
 *
 * @param {string} dir
 * @returns {ServerUser | null | undefined} undefined when we are root and no such user exists
 */
function serverUser(dir) {
  if (process.geteuid?.() !== 0) return null;
  if (existsSync(dir)) {
    const { uid, gid } = statSync(dir);
    if (uid !== 0) return { uid, gid, name: `uid ${uid}` };
  }
  for (const name of ['postgres', 'nobody']) {
    const id = (/** @type {string} */ flag) => spawnSync('id', [flag, name], { encoding: 'utf8' });
    const uid = id('-u');
    const gid = id('-g');
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout), gid: Number(gid.stdout), name };
  }
  return undefined;
}

/**
 * Whether `user` can write into `dir` (every folder above it must let them through).
 *
 * @param {ServerUser} user
 * @param {string} dir
 */
function canWrite(user, dir) {
  const check = spawnSync('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', dir], { uid: user.uid, gid: user.gid });
  return check.status === 0;
}

/**
 * Makes the cluster: .herald/postgres owned by the server's user, a generated password,
 * initdb into a staging folder renamed once complete (so an interrupted initdb never leaves
 * something that looks like a cluster). On failure it removes what it made.
 *
 * @param {ReturnType<typeof postgresPaths>} paths
 * @param {PostgresBin} bin
 * @param {ServerUser | null} user
 * @returns {Promise<string | undefined>} why it failed
 */
async function initialise(paths, bin, user) {
  const fresh = !existsSync(paths.dir);
  const undo = () => {
    if (fresh) rmSync(paths.dir, { recursive: true, force: true });
    else rmSync(paths.staging, { recursive: true, force: true });
  };
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  if (user) {
    chownSync(paths.dir, user.uid, user.gid);
    if (!canWrite(user, paths.dir)) {
      undo();
      return `PostgreSQL does not run as root, and user ${user.name} cannot reach ${paths.dir} (a folder above it is closed to other users): run npm start as a normal user, move the repository, or set DATABASE_URL`;
    }
  }
  rmSync(paths.staging, { recursive: true, force: true });
  writeFileSync(paths.password, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  if (user) chownSync(paths.password, user.uid, user.gid);
  const initdb = await run(
    path.join(bin.dir, 'initdb'),
    ['-D', paths.staging, '-U', SUPERUSER, `--pwfile=${paths.password}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale'],
    { cwd: paths.dir, as: user },
  );
  if (initdb.code !== 0) {
    undo();
    return `initdb failed (${initdb.error ?? `exit ${initdb.code}`}): ${lastLine(initdb.output)}`;
  }
  renameSync(paths.staging, paths.data);
  return undefined;
}

/**
 * Stops a server still running on this cluster (an earlier `npm start` that was killed
 * before it could stop it), with PostgreSQL's fast shutdown. Resolves to its pid, if any.
 *
 * @param {string} stateDir
 * @returns {Promise<number | undefined>}
 */
export async function stopLeftoverPostgres(stateDir) {
  const pidFile = path.join(postgresPaths(stateDir).data, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!isRunning(pid, 'postgres')) return undefined;
  process.kill(pid, 'SIGINT');
  if (!(await waitGone(pid, STOP_TIMEOUT_MS))) process.kill(pid, 'SIGQUIT');
  return pid;
}

/**
 * @typedef {object} LocalServer
 * @property {string} url the connection URL for Herald
 * @property {string} version
 * @property {number} port
 * @property {() => Promise<void>} stop stops it and waits (idempotent)
 * @property {() => void} stopNow last resort from an 'exit' handler: synchronous
 */

/**
 * Starts the private cluster on 127.0.0.1:`port`, making it first if needed.
 *
 * @param {{ stateDir: string, bin: PostgresBin, port: number, log: (message: string) => void }} options
 * @returns {Promise<{ ok: true, server: LocalServer } | { ok: false, message: string }>}
 */
export async function startPostgres({ stateDir, bin, port, log }) {
  const paths = postgresPaths(stateDir);
  const user = serverUser(paths.dir);
  if (user === undefined) {
    return { ok: false, message: 'PostgreSQL does not run as root, and there is no user `postgres` or `nobody` to run it as: run npm start as a normal user, or set DATABASE_URL' };
  }
  if (!existsSync(paths.data)) {
    const failure = await initialise(paths, bin, user);
    if (failure) return { ok: false, message: failure };
  }
  const leftover = await stopLeftoverPostgres(stateDir);
  if (leftover) log(`stopped the PostgreSQL (pid ${leftover}) an earlier npm start left running on ${paths.data}`);

  const pgCtl = path.join(bin.dir, 'pg_ctl');
  const started = await run(
    pgCtl,
    ['start', '-D', paths.data, '-l', paths.log, '-w', '-t', String(START_TIMEOUT_S), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`],
    { cwd: paths.dir, as: user },
  );
  if (started.code !== 0) {
    return { ok: false, message: `PostgreSQL did not start (${paths.log}): ${lastLogLine(paths.log) || lastLine(started.output) || started.error}` };
  }
  const password = readFileSync(paths.password, 'utf8').trim();
  const pid = Number(readFileSync(path.join(paths.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const stopArgs = (/** @type {number} */ timeoutS) => ['stop', '-D', paths.data, '-m', 'fast', '-w', '-t', String(timeoutS)];
  let stopped = false;
  return {
    ok: true,
    server: {
      url: `postgresql://${SUPERUSER}:${password}@127.0.0.1:${port}/${DATABASE}`,
      version: bin.version,
      port,
      async stop() {
        if (stopped) return;
        stopped = true;
        const result = await run(pgCtl, stopArgs(STOP_TIMEOUT_MS / 1000), { cwd: paths.dir, as: user });
        if (result.code !== 0) log(`PostgreSQL did not stop cleanly: ${lastLine(result.output) || result.error}`);
        // pg_ctl returns once the pid file is gone, a moment before the process is.
        await waitGone(pid, 5_000);
      },
      stopNow() {
        if (stopped) return;
        stopped = true;
        runSync(pgCtl, stopArgs(15), { cwd: paths.dir, as: user });
      },
    },
  };
}

/**
 * What answers at host:port to a login as `user` (database `postgres`), without a password:
 * `ready` (let in), `password` (asks for one), `refused` (an error, e.g. no such role or no
 * pg_hba.conf entry), `closed` (nothing listens) or `silent` (no PostgreSQL answer).
 *
 * @param {{ host: string, port: number }} target
 * @param {string} user
 * @returns {Promise<'ready' | 'password' | 'refused' | 'closed' | 'silent'>}
 */
export function probePostgres(target, user) {
  const params = Buffer.from(`user\0${user}\0database\0postgres\0\0`);
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4); // protocol 3.0
  const terminate = Buffer.from([0x58, 0, 0, 0, 4]); // 'X'
  return ask(
    target,
    Buffer.concat([startup, params]),
    (received) => {
      if (received.length < 5) return undefined;
      const type = String.fromCharCode(received[0]);
      if (type === 'E') return 'refused';
      if (type !== 'R') return 'silent';
      if (received.length < 9) return undefined;
      return received.readInt32BE(5) === 0 ? 'ready' : 'password';
    },
    { farewell: terminate },
  );
}
