// @ts-check
// The Node flags `npm start` runs each service with (HERALD_START_NODE_ARGS). They go on the
// command line because NODE_OPTIONS refuses most of V8's flags, --single-threaded-gc among them.

/**
 * Every service: V8 runs garbage collection on the service's own thread, without helper threads:
 * on a small machine where api, ingest, worker, PostgreSQL and Redis share a few cores, the
 * helpers only queue for a core, and their scratch pages cost page faults. Ingest also keeps a
 * young generation of 4 MiB instead of 16, so each scavenge, which holds up every 202 in flight,
 * is shorter (docs/operations.md, Sizing, "Waiting for a core, and garbage collection on a small
 * machine").
 */
export const DEFAULT_NODE_ARGS = Object.freeze({
  api: Object.freeze(['--single-threaded-gc']),
  ingest: Object.freeze(['--single-threaded-gc', '--max-semi-space-size=4']),
  worker: Object.freeze(['--single-threaded-gc']),
});

/**
 * The flags each service runs with: those of HERALD_START_NODE_ARGS (words separated by spaces),
 * for every service alike, or each service's defaults when it is unset or empty. Every word must
 * be a flag, a value joined to its flag by `=`: anything else would be run as the service's script.
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ ok: true, args: Record<'api' | 'ingest' | 'worker', string[]> } | { ok: false, message: string }}
 */
export function serviceNodeArgs(env) {
  const raw = env.HERALD_START_NODE_ARGS?.trim();
  if (!raw) return { ok: true, args: { api: [...DEFAULT_NODE_ARGS.api], ingest: [...DEFAULT_NODE_ARGS.ingest], worker: [...DEFAULT_NODE_ARGS.worker] } };
  const words = raw.split(/\s+/);
  const wrong = words.find((word) => !/^--?[A-Za-z]/.test(word));
  if (wrong !== undefined) {
    return { ok: false, message: `HERALD_START_NODE_ARGS holds "${wrong}", which is not a Node flag (each word starts with - or --)` };
  }
  return { ok: true, args: { api: words, ingest: words, worker: words } };
}
