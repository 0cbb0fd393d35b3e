import { Queue } from 'bullmq';
import { endpointQueueName, queueKeys } from './names.js';
import type { RedisClient } from './redis.js';

/**
 * A short-lived Queue handle on an endpoint's queue over a shared connection
 * (for the api's and the dashboard's occasional calls). It leaves the queue's
 * meta hash alone (the enqueuer and the worker write it) and ignores the
 * connection errors BullMQ re-emits on every handle: the connection's owner
 * logs them once (createRedis).
 */
export function openEndpointQueue(redis: RedisClient, prefix: string, endpointId: string): Queue {
  const queue = new Queue(endpointQueueName(endpointId), { connection: redis, prefix, skipMetasUpdate: true, skipVersionCheck: true });
  queue.on('error', () => undefined);
  return queue;
}

/**
 * Removes everything Redis holds for an endpoint's queue (after its pending
 * deliveries were settled in PostgreSQL), so nothing more is sent to it and
 * its keys do not linger. Jobs running right now finish their attempt; the
 * worker records nothing more for a delivery that is no longer pending.
 */
export async function purgeEndpointQueue(redis: RedisClient, prefix: string, endpointId: string): Promise<void> {
  const queue = openEndpointQueue(redis, prefix, endpointId);
  try {
    await queue.obliterate({ force: true });
    const keys = queueKeys(prefix);
    await Promise.all([redis.zrem(keys.ready, endpointId), redis.zrem(keys.timers, endpointId)]);
  } finally {
    await queue.close();
  }
}

/**
 * Removes an endpoint's waiting and delayed jobs, leaving the ones running
 * now to finish: used when the worker itself disables the endpoint mid-job.
 */
export async function drainEndpointQueue(redis: RedisClient, prefix: string, endpointId: string): Promise<void> {
  const queue = openEndpointQueue(redis, prefix, endpointId);
  try {
    await queue.drain(true);
  } finally {
    await queue.close();
  }
}

/** Tells running workers that an endpoint's settings changed, so they pick up its new rate limit. */
export async function announceEndpointChanged(redis: RedisClient, prefix: string, endpointId: string): Promise<void> {
  await redis.publish(queueKeys(prefix).changedChannel, endpointId);
}
