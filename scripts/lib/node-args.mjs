// @ts-check
// The Node flags `npm start` runs each service with (HERALD_START_NODE_ARGS). They go on the
// command line because NODE_OPTIONS refuses most of V8's flags, --single-threaded-gc among them.

/**
 * V8 runs garbage collection on the service's own thread, without helper threads: on a small
 * machine where api, ingest, worker, PostgreSQL and Redis share a few cores, the helpers only
 * queue for a core, and their scratch pages cost page faults (docs/operations.md, Sizing,
 * "Waiting for a core, and garbage collection on a small machine").
 */
export const DEFAULT_NODE_ARGS = Object.freeze(['--single-threaded-gc']);

/**
 * The flags from HERALD_START_NODE_ARGS (words separated by spaces), or the defaults when it is
 * unset or empty. Every word must be a flag, a value joined to its flag by `=`: anything else
 * would be run as the service's script.
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ ok: true, args: string[] } | { ok: false, message: string }}
 */
export function serviceNodeArgs(env) {
  const raw = env.HERALD_START_NODE_ARGS?.trim();
  if (!raw) return { ok: true, args: [...DEFAULT_NODE_ARGS] };
  const args = raw.split(/\s+/);
  const wrong = args.find((word) => !/^--?[A-Za-z]/.test(word));
  if (wrong !== undefined) {
    return { ok: false, message: `HERALD_START_NODE_ARGS holds "${wrong}", which is not a Node flag (each word starts with - or --)` };
  }
  return { ok: true, args };
}
