// The Node.js (V8) flags each service runs with: scripts/start.mjs starts them so (and with it
// the Docker image and docker-compose.yml), and the benchmark starts the services it measures
// the same way.

/**
 * The worker's young generation: semi-spaces of 64 MiB instead of V8's 16 MiB. Each delivery
 * in flight holds its request, signature, response and attempt record until it is recorded;
 * with many in flight (HERALD_WORKER_SLOTS, 256 by default, fill up once enough endpoints have
 * work) they outgrew the default young generation, so short-lived objects were copied,
 * promoted and collected again in the old generation. Measured with the benchmark's
 * 100-endpoint runs (256 in flight) on 2 cores, 4 runs each, interleaved with the default:
 * worker CPU per event 389 against 444 µs in batches and 356 against 431 µs with single
 * events (medians), delivered rate +8 % and +12 %. 32 MiB gave about half of that; with 32
 * in flight (1 endpoint) neither changed anything. The price: the worker's peak resident
 * memory rose from about 275 to about 375 MiB.
 */
const WORKER_SEMI_SPACE_MB = 64;

/**
 * The flags to start service `name` with. A flag the operator already set in NODE_OPTIONS
 * is left to them (a command-line flag would override it).
 */
export function nodeArgsOf(name, nodeOptions = process.env.NODE_OPTIONS ?? '') {
  if (name !== 'worker' || /--max-semi-space-size\b/.test(nodeOptions)) return [];
  return [`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}
