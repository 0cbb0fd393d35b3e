import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import type { Logger } from '@herald/core';

/** A connection to a single Redis or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * How a connection behaves while Redis is unreachable:
 * - `consumer` (the worker): commands wait out a reconnect, as blocking
 *   commands need (`maxRetriesPerRequest: null`).
 * - `producer` (ingest, the api): a command fails at once while Redis is
 *   unreachable and a command cut off by a disconnect is never re-sent, so a
 *   request never waits on Redis and a job whose add failed does not appear
 *   much later. PostgreSQL holds the work meanwhile; the reconciler queues it.
 */
export type RedisRole = 'consumer' | 'producer';

export interface CreateRedisOptions {
  role: RedisRole;
  /** Connection errors go here, one line per outage (without a listener ioredis prints raw stack traces). */
  logger: Logger;
}

/** The nodes of a `redis-cluster://` (or `rediss-cluster://`) URL, or null for a plain Redis URL. */
export function clusterNodesOf(url: string): { nodes: ClusterNode[]; options: RedisOptions } | null {
  const match = /^(rediss?)-cluster:\/\/(?:([^@/]*)@)?([^/?#]+)/.exec(url);
  if (!match) return null;
  const [, scheme, auth, hosts] = match;
  const [username, password] = auth ? auth.split(':').map(decodeURIComponent) : [];
  const nodes = hosts!.split(',').map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    return at === -1 ? { host: hostPort, port: 6379 } : { host: hostPort.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(at + 1)) };
  });
  return {
    nodes,
    options: { ...(username ? { username } : {}), ...(password ? { password } : {}), ...(scheme === 'rediss' ? { tls: {} } : {}) },
  };
}

/**
 * A connection for one role of one service. `REDIS_URL` names a single Redis
 * (`redis://…`, `rediss://…`) or a cluster by some of its nodes
 * (`redis-cluster://host:port,host:port`).
 *
 * Each command is written when it is sent, without ioredis's auto-pipelining.
 * That holds a turn's commands until `setImmediate` and sends them as one
 * pipeline, but only one pipeline per connection is ever in flight, so a
 * command waits for the answers to everything sent in the turn before it: a
 * worker's completion waited behind other jobs' fetches and completions, an
 * ingest's adds behind the previous request's. Without it (measured in
 * interleaved rounds on 2 cores): 4–12 % more events delivered per second,
 * and 1–12 % less CPU per event in ingest and the worker (no pipeline, its
 * promises and callbacks per turn). Where a batch pays, the caller batches
 * explicitly (one HSET or ZADD for many members, MicroBatcher). Redis still
 * runs one connection's commands in the order sent, which the callers rely on.
 */
export function createRedis(url: string, connectionName: string, { role, logger }: CreateRedisOptions): RedisClient {
  const options: RedisOptions = {
    connectionName,
    enableReadyCheck: true,
    enableAutoPipelining: false,
    // Keep retrying quietly with a cap; readiness reports the outage meanwhile.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(role === 'consumer'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 0, enableOfflineQueue: false, autoResendUnfulfilledCommands: false }),
  };
  const cluster = clusterNodesOf(url);
  const redis: RedisClient = cluster
    ? new Cluster(cluster.nodes, {
        enableReadyCheck: true,
        enableAutoPipelining: false,
        enableOfflineQueue: role === 'consumer',
        clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
        redisOptions: { ...options, ...cluster.options },
      })
    : new Redis(url, options);
  logConnectionErrors(redis, connectionName, logger);
  return redis;
}

/** A connection of its own for blocking commands (BZPOPMIN), same server and role as `redis`. */
export function duplicateForBlocking(redis: RedisClient, connectionName: string, logger: Logger): RedisClient {
  const copy =
    redis instanceof Cluster
      ? redis.duplicate(undefined, { redisOptions: { ...redis.options.redisOptions, connectionName } })
      : redis.duplicate({ connectionName });
  logConnectionErrors(copy, connectionName, logger);
  return copy;
}

/** Logs the first error of each outage (ioredis emits one per reconnect attempt), and the recovery. */
export function logConnectionErrors(redis: RedisClient, connectionName: string, logger: Logger): void {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn('redis connection error', { connection: connectionName, error: error.message });
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis connection restored', { connection: connectionName });
  });
}

/**
 * Subscribes to `channel` once the connection is ready (at once if it is). A
 * SUBSCRIBE sent between the socket's connect and ready (ioredis writes it
 * right away then: Redis allows it while loading) puts the connection in
 * subscriber mode before ioredis's ready check, whose INFO then fails: ioredis
 * drops the connection and reconnects, and what is published meanwhile is
 * lost. Waits, like a command would, while Redis is unreachable; rejects
 * like one if the connection is closed meanwhile.
 */
export async function subscribeWhenReady(redis: RedisClient, channel: string): Promise<void> {
  await whenReady(redis);
  await redis.subscribe(channel);
}

/**
 * Resolves once the connection is ready or closed for good, or after
 * `timeoutMs` (if given) whatever its state (a producer that starts while
 * Redis is away runs without it: its commands fail fast and the reconciler
 * covers them).
 */
export async function whenReady(redis: RedisClient, timeoutMs?: number): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'end') return;
  await new Promise<void>((resolve) => {
    const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
    redis.once('ready', done);
    redis.once('end', done);
    function done() {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('end', done);
      resolve();
    }
  });
}
