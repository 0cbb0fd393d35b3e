// The stack under test: Herald's three services and the bare-pipeline baseline, each as
// child processes with an environment built from scratch (nothing inherited), cwd the run's
// empty temp dir, logs in the run's raw dir.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { serviceNodeArgs } from '../../scripts/lib/node-args.mjs';
import { benchDir, root } from './paths.mjs';
import { spawnNode, stopChild, waitHttpReady, waitJsonLine } from './procs.mjs';
import { freePort } from './util.mjs';

const SERVICE_PORT_VAR = { api: 'HERALD_API_PORT', ingest: 'HERALD_INGEST_PORT', worker: 'HERALD_WORKER_PORT' };
/**
 * The Node flags `npm start` gives each service (HERALD_START_NODE_ARGS or the defaults), so the
 * bench runs them as users do; the baseline's ingest and worker get ingest's and the worker's,
 * so ratios compare code, not flags.
 */
const nodeFlags = serviceNodeArgs(process.env);
if (!nodeFlags.ok) throw new Error(nodeFlags.message);
export const NODE_ARGS = nodeFlags.args;
const profileArgs = (dir, name) => (dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
/** Extra processes of a service: `worker2` is a second worker process (apps/worker) on a port of its own. */
const APP_OF = { worker2: 'worker' };

/**
 * api, ingest and worker from apps/<name>/dist/main.js, on free ports, with the run's database
 * and Redis prefix; `worker2` is a second worker process sharing the work with the first.
 */
export class Herald {
  constructor(ctx) {
    this.ctx = ctx;
    this.children = {};
    this.ports = {};
    this.rootToken = `root_${randomBytes(24).toString('base64url')}`;
    this.encryptionKey = randomBytes(32).toString('base64');
    this.concurrency = null;
  }

  env(concurrency) {
    const { ctx } = this;
    return {
      PATH: process.env.PATH,
      HOME: ctx.tmpDir,
      DATABASE_URL: ctx.dbUrl,
      REDIS_URL: ctx.redisUrl,
      HERALD_REDIS_PREFIX: ctx.prefix,
      HERALD_API_PORT: String(this.ports.api),
      HERALD_INGEST_PORT: String(this.ports.ingest),
      HERALD_WORKER_PORT: String(this.ports.worker),
      HERALD_ROOT_TOKEN: this.rootToken,
      HERALD_ENCRYPTION_KEY: this.encryptionKey,
      HERALD_ALLOW_HTTP: 'true',
      HERALD_OUTBOUND_ALLOWLIST: '127.0.0.1',
      HERALD_WORKER_CONCURRENCY: String(concurrency),
      LOG_LEVEL: 'warn',
      // A script's own settings (bench/retention.mjs: the retention interval).
      ...ctx.serviceEnv,
    };
  }

  url(name) {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  /** `profileDir`: run under `node --cpu-prof`, each profile named after its service plus `profileSuffix`. */
  async start(names, { concurrency = this.concurrency ?? 4, profileDir, profileSuffix = '' } = {}) {
    // Every service reads every port variable (the api links to ingest): allocate all three once.
    for (const name of Object.keys(SERVICE_PORT_VAR)) this.ports[name] ??= await freePort();
    for (const name of names) {
      const app = APP_OF[name] ?? name;
      this.ports[name] ??= await freePort();
      if (name === 'worker') this.concurrency = concurrency;
      const nodeArgs = [...NODE_ARGS[app], ...profileArgs(profileDir, `${name}${profileSuffix}`)];
      this.children[name] = spawnNode(name, [path.join(root, 'apps', app, 'dist', 'main.js')], {
        env: { ...this.env(concurrency), [SERVICE_PORT_VAR[app]]: String(this.ports[name]) },
        cwd: this.ctx.tmpDir,
        logFile: path.join(this.ctx.logDir, `${name}.log`),
        nodeArgs,
      });
    }
    await Promise.all(names.map((name) => waitHttpReady(this.children[name], `${this.url(name)}/readyz`)));
  }

  async stop(names = Object.keys(this.children)) {
    await Promise.all(names.map((name) => stopChild(this.children[name])));
    for (const name of names) delete this.children[name];
  }

  /** Ensures the worker runs with `concurrency` (restarts it if it runs with another). */
  async workerConcurrency(concurrency) {
    if (this.concurrency === concurrency) return;
    await this.stop(['worker']);
    await this.start(['worker'], { concurrency });
  }

  pids() {
    return Object.fromEntries(Object.entries(this.children).map(([name, child]) => [name, child.pid]));
  }
}

/** The bare pipeline (bench/baseline): express + zod ingest → one BullMQ queue → a got worker. */
export class Baseline {
  constructor(ctx) {
    this.ctx = ctx;
    this.children = {};
  }

  async start({ profileDir, profileSuffix = '' } = {}) {
    const { ctx } = this;
    this.port ??= await freePort();
    const env = {
      PATH: process.env.PATH,
      HOME: ctx.tmpDir,
      REDIS_URL: ctx.redisUrl,
      BASELINE_PREFIX: ctx.basePrefix,
      PORT: String(this.port),
      TARGET_URL: `${ctx.receiverUrl}/baseline`,
      CONCURRENCY: String(ctx.P.baselineConcurrency),
    };
    for (const name of ['ingest', 'worker']) {
      const nodeArgs = [...NODE_ARGS[name], ...profileArgs(profileDir, `baseline-${name}${profileSuffix}`)];
      this.children[name] = spawnNode(`baseline ${name}`, [path.join(benchDir, 'baseline', `${name}.mjs`)], {
        env,
        cwd: ctx.tmpDir,
        logFile: path.join(ctx.logDir, `baseline-${name}.log`),
        nodeArgs,
      });
    }
    await Promise.all(Object.values(this.children).map((child) => waitJsonLine(child)));
  }

  async stop() {
    await Promise.all(Object.values(this.children).map((child) => stopChild(child)));
    this.children = {};
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  pids() {
    return Object.fromEntries(Object.entries(this.children).map(([name, child]) => [`baseline ${name}`, child.pid]));
  }
}
