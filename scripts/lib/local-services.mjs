// @ts-check
// Whether `npm start` brings its own PostgreSQL and Redis, and running them.
//
// For each of the two: when its URL (DATABASE_URL, REDIS_URL) is set, or a server at the
// default address lets Herald in the way its default URL does, nothing changes. Otherwise
// `npm start` runs a private one with its data in .herald/ (local-postgres.mjs,
// local-redis.mjs), or, without the programs to do so, says in one line what to install.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.mjs';
import { findPostgres, probePostgres, startPostgres, stopLeftoverPostgres } from './local-postgres.mjs';
import { findRedis, probeRedis, startRedis, stopLeftoverRedis } from './local-redis.mjs';
import { installCommand } from './server-binaries.mjs';

/** The folder, in the repository root, that holds the private servers' data (git-ignored). */
export const STATE_DIR_NAME = '.herald';

/**
 * The URLs the services use when DATABASE_URL and REDIS_URL are unset: the defaults of
 * packages/core/src/config.ts (tests/e2e checks that they agree).
 */
export const DEFAULT_URLS = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/herald',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

/**
 * A PostgreSQL that asks for a password is usable when pg (node-postgres) can supply one.
 *
 * @param {NodeJS.ProcessEnv} env
 */
const hasPostgresPassword = (env) =>
  Boolean(env.PGPASSWORD) || existsSync(env.PGPASSFILE || path.join(os.homedir(), '.pgpass'));

/**
 * @typedef {object} Kind one of the two servers
 * @property {string} title
 * @property {'DATABASE_URL' | 'REDIS_URL'} urlVar the variable that names it
 * @property {string} portVar the variable that moves the address `npm start` checks (a test
 *   points it at a port where nothing listens)
 * @property {(target: { host: string, port: number }, url: URL) => Promise<string>} probe
 * @property {(state: string, env: NodeJS.ProcessEnv) => boolean} usable whether what answered will do
 * @property {(env: NodeJS.ProcessEnv, stateDir: string) => { ok: true, bin: any } | { ok: false, missing: boolean, message?: string }} find its programs
 * @property {(options: { stateDir: string, bin: any, port: number, log: (message: string) => void }) =>
 *   Promise<{ ok: true, server: import('./local-postgres.mjs').LocalServer } | { ok: false, message: string }>} start
 */

/** @type {Record<'postgres' | 'redis', Kind>} */
const KINDS = {
  postgres: {
    title: 'PostgreSQL',
    urlVar: 'DATABASE_URL',
    portVar: 'HERALD_START_POSTGRES_PORT',
    probe: (target, url) => probePostgres(target, decodeURIComponent(url.username)),
    usable: (state, env) => state === 'ready' || (state === 'password' && hasPostgresPassword(env)),
    find: findPostgres,
    start: startPostgres,
  },
  redis: {
    title: 'Redis',
    urlVar: 'REDIS_URL',
    portVar: 'HERALD_START_REDIS_PORT',
    probe: (target) => probeRedis(target),
    // A loading Redis will answer soon: the services retry until it does.
    usable: (state) => state === 'ready' || state === 'loading',
    find: (env) => findRedis(env),
    start: startRedis,
  },
};

/**
 * Why a server at the default address will not do, for the one line `npm start` prints.
 *
 * @param {string} title
 * @param {string} state what the probe said
 * @param {string} address
 */
const why = (title, state, address) => {
  if (state === 'closed') return `nothing answers at ${address}`;
  if (state === 'password') return `the ${title} at ${address} asks for a password`;
  if (state === 'refused') return `the ${title} at ${address} refuses the login`;
  return `what answers at ${address} is not ${title}`;
};

/**
 * @typedef {object} Plan
 * @property {Record<string, string>} env variables to set before the services start: a moved
 *   default address that answered
 * @property {{ kind: keyof KINDS, bin: any, reason: string }[]} local the private servers to run
 * @property {string[]} unset the URL variables of the servers not usable at their default address
 */

/**
 * Decides, without changing anything, which servers `npm start` runs itself, and finds their
 * programs. Fails (one line) when one is needed and its programs are not installed, or when a
 * setting is invalid.
 *
 * @param {NodeJS.ProcessEnv} env
 * @param {string} stateDir
 * @returns {Promise<{ ok: true, plan: Plan } | { ok: false, message: string }>}
 */
export async function planLocalServices(env, stateDir) {
  /** @type {string[]} */
  const unset = [];
  /** @type {Plan} */
  const plan = { env: {}, local: [], unset };
  const missing = { postgres: false, redis: false };
  /** @type {string[]} */
  const reasons = [];
  for (const [kind, spec] of /** @type {[keyof KINDS, Kind][]} */ (Object.entries(KINDS))) {
    if (env[spec.urlVar]) continue;
    const url = new URL(DEFAULT_URLS[spec.urlVar]);
    const defaultPort = Number(url.port);
    const raw = env[spec.portVar];
    const port = raw ? Number(raw) : defaultPort;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, message: `${spec.portVar}=${raw}: expected a port 1..65535` };
    url.port = String(port);
    const address = `${url.hostname}:${port}`;
    const state = await spec.probe({ host: url.hostname, port }, url);
    if (spec.usable(state, env)) {
      if (port !== defaultPort) plan.env[spec.urlVar] = url.toString();
      continue;
    }
    const reason = `${spec.title}: ${why(spec.title, state, address)}`;
    reasons.push(reason);
    unset.push(spec.urlVar);
    const found = spec.find(env, stateDir);
    if (found.ok) plan.local.push({ kind, bin: found.bin, reason });
    else if (found.missing) missing[kind] = true;
    else return { ok: false, message: found.message ?? `${spec.title} cannot be run` };
  }
  if (missing.postgres || missing.redis) {
    const both = (/** @type {string} */ postgres, /** @type {string} */ redis) => [missing.postgres && postgres, missing.redis && redis].filter(Boolean);
    const install = installCommand(missing);
    return {
      ok: false,
      message:
        `${reasons.join(', ')} (${unset.join(', ')} unset), and no ${both('initdb/pg_ctl', 'redis-server').join(' or ')} ` +
        'was found to run one (PATH, then HERALD_START_BIN_DIRS or the usual Debian and Homebrew folders): ' +
        `install ${both('PostgreSQL', 'Redis').join(' and ')}${install ? ` (${install})` : ''}, ` +
        `set ${both('DATABASE_URL', 'REDIS_URL').join(' and ')} to a running server, or use Docker: \`docker compose up --build\``,
    };
  }
  return { ok: true, plan };
}

/**
 * @typedef {object} LocalServices
 * @property {Record<string, string>} env DATABASE_URL and/or REDIS_URL of the private servers
 * @property {string} summary what runs where, for the one line `npm start` prints
 * @property {string} names `PostgreSQL and Redis`, `PostgreSQL` or `Redis`
 * @property {() => Promise<void>} stop stops them and waits
 * @property {() => void} stopNow last resort from an 'exit' handler
 */

/**
 * Runs the private servers of a plan on free local ports (PostgreSQL first: it is the one
 * most likely to fail, for want of a user or a reachable folder). If one fails, the other is
 * stopped, and a .herald/ this call created is removed again.
 *
 * @param {Plan} plan
 * @param {string} stateDir
 * @param {(message: string) => void} log
 * @returns {Promise<{ ok: true, services: LocalServices } | { ok: false, message: string }>}
 */
export async function startLocalServices(plan, stateDir, log) {
  const fresh = !existsSync(stateDir);
  // 711: the user PostgreSQL runs as when we are root must get through to .herald/postgres.
  mkdirSync(stateDir, { recursive: true, mode: 0o711 });
  /** @type {{ kind: keyof KINDS, server: import('./local-postgres.mjs').LocalServer }[]} */
  const servers = [];
  /** @type {Record<string, string>} */
  const env = {};
  for (const { kind, bin } of plan.local) {
    const started = await KINDS[kind].start({ stateDir, bin, port: await freePort(), log });
    if (!started.ok) {
      await Promise.all(servers.map(({ server }) => server.stop()));
      if (fresh) rmSync(stateDir, { recursive: true, force: true });
      return { ok: false, message: started.message };
    }
    servers.push({ kind, server: started.server });
    env[KINDS[kind].urlVar] = started.server.url;
  }
  const where = path.relative(process.cwd(), stateDir) || stateDir;
  const summary = servers.map(({ kind, server }) => `${KINDS[kind].title} ${server.version} on 127.0.0.1:${server.port}`).join(' and ');
  return {
    ok: true,
    services: {
      env,
      names: servers.map(({ kind }) => KINDS[kind].title).join(' and '),
      summary: `${plan.local.map((entry) => entry.reason).join(', ')} (${plan.unset.join(', ')} unset): running ${summary}, data in ${where}/, until Ctrl-C`,
      stop: async () => {
        await Promise.all(servers.map(({ server }) => server.stop()));
      },
      stopNow: () => {
        for (const { server } of servers) server.stopNow();
      },
    },
  };
}

/**
 * Deletes the state folder, after stopping any private server an earlier `npm start` left
 * running on it. Resolves to false if there was nothing to delete.
 *
 * @param {string} stateDir
 */
export async function resetLocalData(stateDir) {
  if (!existsSync(stateDir)) return false;
  await Promise.all([stopLeftoverPostgres(stateDir), stopLeftoverRedis(stateDir)]);
  rmSync(stateDir, { recursive: true, force: true });
  return true;
}
