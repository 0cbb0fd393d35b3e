import { Cluster, Pipeline } from 'ioredis';
import type { RedisClient } from './redis.js';

type PipelineCtor = new (redis: RedisClient) => Pipeline;

/**
 * ioredis builds each pipeline by copying every script defined on its
 * connection onto it (BullMQ defines 64, so ~130 properties), and with
 * auto-pipelining it builds one for each turn of the event loop that sends a
 * command. At a few hundred events a second that is most turns: ~40 µs of CPU
 * and a dictionary-mode object of garbage each (measured: 42 µs per pipeline
 * against 3 µs on a connection without scripts; 3–4 µs with this).
 *
 * This gives the pipelines of `redis` those methods from one prototype per
 * connection instead, rebuilt when a script or command is defined. Each
 * pipeline is still ioredis's own Pipeline, built by its own constructor (over
 * a view of the connection that shows it no scripts), and runs the same
 * methods with itself as `this`. ioredis is pinned for this: `check` fails at
 * start if an upgrade changes what it relies on.
 */
export function shareScriptMethods(redis: RedisClient): void {
  // What the Pipeline constructor reads of its connection, without the scripts to copy.
  const bare = Object.create(redis, { scriptsSet: { value: {} }, addedBuiltinSet: { value: new Set() } }) as RedisClient;
  let shared: PipelineCtor | null = null;
  const pipelineClass = (): PipelineCtor => {
    if (shared) return shared;
    const made = class SharedScriptPipeline extends Pipeline {};
    const prototype = made.prototype as unknown as Record<string, unknown>;
    const source = redis as unknown as Record<string, unknown>;
    for (const name of [...Object.keys(redis.scriptsSet), ...redis.addedBuiltinSet]) {
      prototype[name] = source[name];
      prototype[`${name}Buffer`] = source[`${name}Buffer`];
    }
    return (shared = made as unknown as PipelineCtor);
  };

  const client = redis as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const definer of ['defineCommand', 'addBuiltinCommand']) {
    const original = client[definer]!;
    client[definer] = function (this: RedisClient, ...args: unknown[]) {
      shared = null;
      return original.apply(this, args);
    };
  }
  client.pipeline = function (this: RedisClient, commands?: unknown) {
    const pipeline = new (pipelineClass())(bare);
    (pipeline as unknown as { redis: RedisClient }).redis = this;
    if (Array.isArray(commands)) pipeline.addBatch(commands as never);
    return pipeline;
  };
  check(redis);
}

/** Fails loudly if ioredis's Pipeline no longer takes what this relies on. */
function check(redis: RedisClient): void {
  const pipeline = redis.pipeline() as unknown as { redis?: unknown; _queue?: unknown; isCluster?: unknown; exec?: unknown };
  if (pipeline.redis !== redis || !Array.isArray(pipeline._queue) || pipeline.isCluster !== redis instanceof Cluster || typeof pipeline.exec !== 'function') {
    throw new Error('ioredis internals changed: Pipeline no longer keeps redis/_queue/isCluster as packages/queue/src/shared-script-methods.ts expects (ioredis is pinned for it)');
  }
}
