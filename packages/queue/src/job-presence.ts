import type { DeliveryJobSpec } from './delivery-jobs.js';
import { endpointQueueName, jobKey, queueKeys, workerEndpointsKey, workerUnrecordedKey } from './names.js';
import type { RedisClient } from './redis.js';

/**
 * How long an entry of a live worker's unrecorded hash counts as a delivery
 * in hand: longer than the attempt writer tries a statement (60 s), so an
 * entry only a lost removal left behind stops hiding its delivery.
 */
export const UNRECORDED_HOLD_MS = 120_000;

/** An entry of a worker's unrecorded hash (workerUnrecordedKey): the delivery's job spec, and when it was listed. */
export interface UnrecordedEntry {
  spec: DeliveryJobSpec;
  listedAt: number;
}

/** The hash value of an unrecorded delivery (its field is the delivery id). */
export function encodeUnrecorded(spec: DeliveryJobSpec, listedAt: number): string {
  const { deliveryId, tenantId, endpointId, maxAttempts } = spec;
  return JSON.stringify({ deliveryId, tenantId, endpointId, maxAttempts, listedAt });
}

/** Reads an entry of a worker's unrecorded hash back. */
export function decodeUnrecorded(value: string): UnrecordedEntry {
  const { deliveryId, tenantId, endpointId, maxAttempts, listedAt } = JSON.parse(value) as DeliveryJobSpec & { listedAt: number };
  return { spec: { deliveryId, tenantId, endpointId, maxAttempts }, listedAt };
}

/**
 * Which of these deliveries have no job in Redis (one EXISTS per delivery,
 * pipelined by the connection) and are not waiting for a live worker to
 * commit their attempt (its unrecorded hash: the job completed once the
 * request was sent, and the attempt is on its way to PostgreSQL).
 */
export async function deliveriesWithoutJob<T extends { deliveryId: string; endpointId: string }>(
  redis: RedisClient,
  prefix: string,
  deliveries: readonly T[],
): Promise<T[]> {
  if (deliveries.length === 0) return [];
  const exists = await Promise.all(deliveries.map((d) => redis.exists(jobKey(prefix, endpointQueueName(d.endpointId), d.deliveryId))));
  const missing = deliveries.filter((_, i) => exists[i] === 0);
  if (missing.length === 0) return missing;
  const workers = await redis.zrange(queueKeys(prefix).workers, 0, -1);
  const ids = missing.map((d) => d.deliveryId);
  const held = await Promise.all(workers.map((id) => redis.hmget(workerUnrecordedKey(prefix, id), ...ids)));
  const since = Date.now() - UNRECORDED_HOLD_MS;
  const inHand = (value: string | null) => value !== null && decodeUnrecorded(value).listedAt > since;
  return missing.filter((_, i) => !held.some((values) => inHand(values[i] ?? null)));
}

/**
 * Endpoints that have work now, fleet-wide (at most `limit`, sorted by id):
 * ready, scheduled for later, or with jobs in flight on a worker.
 */
export async function endpointsWithWork(redis: RedisClient, prefix: string, limit: number): Promise<string[]> {
  const keys = queueKeys(prefix);
  const [ready, scheduled, workers] = await Promise.all([
    redis.zrange(keys.ready, 0, limit - 1),
    redis.zrange(keys.timers, 0, limit - 1),
    redis.zrange(keys.workers, 0, -1),
  ]);
  const inFlight = await Promise.all(workers.map((id) => redis.smembers(workerEndpointsKey(prefix, id))));
  return [...new Set([...ready, ...scheduled, ...inFlight.flat()])].sort().slice(0, limit);
}
