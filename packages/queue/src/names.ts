/**
 * Where Herald keeps things in Redis, all under one prefix (HERALD_REDIS_PREFIX),
 * so tests and several installs can share one Redis.
 */
export interface QueueKeys {
  /** BullMQ's `prefix` option. */
  bullPrefix: string;
  /** Set by the worker; its absence means Redis lost its data (restart without persistence, FLUSHALL). */
  sentinel: string;
  /** Set of endpoint ids that have (or recently had) jobs: the worker watches these. */
  activeEndpoints: string;
  /** Pub/sub channel nudging workers that an endpoint got work. */
  workChannel: string;
  /** Pub/sub channel telling workers an endpoint's settings changed (e.g. its rate limit). */
  changedChannel: string;
}

export function queueKeys(prefix: string): QueueKeys {
  return {
    bullPrefix: prefix,
    sentinel: `${prefix}:sentinel`,
    activeEndpoints: `${prefix}:active-endpoints`,
    workChannel: `${prefix}:work`,
    changedChannel: `${prefix}:endpoint-changed`,
  };
}

// The endpoint id is a Redis Cluster hash tag, so one endpoint's keys share a slot.
const QUEUE_NAME = /^ep\.\{(ep_[0-9A-Z]+)\}$/;

/** The BullMQ queue of one endpoint. */
export function endpointQueueName(endpointId: string): string {
  return `ep.{${endpointId}}`;
}

/** The endpoint id of a queue name, or null if it is not an endpoint queue. */
export function endpointIdOfQueue(queueName: string): string | null {
  return QUEUE_NAME.exec(queueName)?.[1] ?? null;
}

/** The key of a queue's BullMQ meta hash. */
export function queueMetaKey(prefix: string, queueName: string): string {
  return `${prefix}:${queueName}:meta`;
}

/** The key of one job's hash in BullMQ's layout (`<prefix>:<queue>:<jobId>`). */
export function jobKey(prefix: string, queueName: string, jobId: string): string {
  return `${prefix}:${queueName}:${jobId}`;
}
