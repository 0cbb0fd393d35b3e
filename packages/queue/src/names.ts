/**
 * Where Herald keeps things in Redis, all under one prefix (HERALD_REDIS_PREFIX),
 * so tests and several installs can share one Redis.
 */
export interface QueueKeys {
  /** BullMQ's `prefix` option. */
  bullPrefix: string;
  /** Set by the worker; its absence means Redis lost its data (restart without persistence, FLUSHALL). */
  sentinel: string;
  /**
   * Sorted set of endpoints that have jobs to try now, scored by when they
   * became ready (oldest first). Ingest and the api add to it (ZADD NX) when
   * they queue jobs; workers pop from it (BZPOPMIN) and put an endpoint back
   * when it may have more.
   */
  ready: string;
  /**
   * Sorted set of endpoints to look at again later, scored by when: their next
   * retry is due, or their rate limit opens. Workers move due ones to `ready`.
   * Shares a hash tag with `ready`, so one script moves between them on a cluster.
   */
  timers: string;
  /**
   * Hash of each worker process's slots (field: its fleet id; value:
   * `<taken>:<free>:<expires>`, the expiry in Redis's own clock), written as it
   * sweeps the timers; a process running more deliveries than another with a
   * free slot hands endpoints over to it. Shares the hash tag of `ready` and `timers`.
   */
  slotCounts: string;
  /** Sorted set of worker processes, scored by when their lease expires (renewed every second or so). */
  workers: string;
  /** Pub/sub channel telling workers an endpoint's settings changed (e.g. its rate limit). */
  changedChannel: string;
  /** Held (SET NX PX) by the worker running a reconcile pass, so a fleet runs one at a time. */
  reconcileLock: string;
  /**
   * Held by the worker running a retention pass (its fleet id as value, renewed
   * while the pass runs), then left to expire one HERALD_RETENTION_INTERVAL_MS
   * after the pass: one pass at a time in a fleet, one per interval.
   */
  pruneLock: string;
}

export function queueKeys(prefix: string): QueueKeys {
  return {
    bullPrefix: prefix,
    sentinel: `${prefix}:sentinel`,
    ready: `${prefix}:{sched}:ready`,
    timers: `${prefix}:{sched}:timers`,
    slotCounts: `${prefix}:{sched}:slots`,
    workers: `${prefix}:workers`,
    changedChannel: `${prefix}:endpoint-changed`,
    reconcileLock: `${prefix}:reconcile-lock`,
    pruneLock: `${prefix}:prune-lock`,
  };
}

/** Set of the endpoints a worker process may hold jobs of (in flight), so the others can take them back if it dies. */
export function workerEndpointsKey(prefix: string, workerId: string): string {
  return `${prefix}:worker:${workerId}:endpoints`;
}

/**
 * Hash of the deliveries a worker process sent and let go of before their
 * attempt was committed (field: delivery id; value: job-presence.ts encodeUnrecorded), so
 * the others can queue them again if it dies (apps/worker unrecorded.ts).
 */
export function workerUnrecordedKey(prefix: string, workerId: string): string {
  return `${prefix}:worker:${workerId}:unrecorded`;
}

/*
 * A delivery queue belongs to an owner, and everything keyed "by endpoint" in
 * Redis (the ready and timers sets, a worker's held set, queue limits) is
 * keyed by that owner's id:
 * - an endpoint (`ep_…`): its webhook deliveries, queue `ep.{ep_…}`;
 * - a tenant (`tnt_…`): all its email deliveries, queue `email.{tnt_…}`, so
 *   a tenant whose mail is slow or refused delays only its own mail, and the
 *   per-queue concurrency caps what one tenant sends to the SMTP server at once.
 * The owner id is the queue name's Redis Cluster hash tag, so one queue's keys share a slot.
 */
const QUEUE_NAME = /^(?:ep\.\{(ep_[0-9A-Z]+)\}|email\.\{(tnt_[0-9A-Z]+)\})$/;

/** Whether a queue owner id is a tenant's email queue (else it is an endpoint's). */
export function isEmailQueueOwner(ownerId: string): boolean {
  return ownerId.startsWith('tnt_');
}

/** The BullMQ queue of one owner: an endpoint's webhooks, or a tenant's emails (its id). */
export function endpointQueueName(ownerId: string): string {
  return isEmailQueueOwner(ownerId) ? `email.{${ownerId}}` : `ep.{${ownerId}}`;
}

/** The owner id of a queue name (an endpoint's or a tenant's email queue), or null if it is not a delivery queue. */
export function endpointIdOfQueue(queueName: string): string | null {
  const match = QUEUE_NAME.exec(queueName);
  return match?.[1] ?? match?.[2] ?? null;
}

/** The key of a queue's BullMQ meta hash. */
export function queueMetaKey(prefix: string, queueName: string): string {
  return `${prefix}:${queueName}:meta`;
}

/** The key of one job's hash in BullMQ's layout (`<prefix>:<queue>:<jobId>`). */
export function jobKey(prefix: string, queueName: string, jobId: string): string {
  return `${prefix}:${queueName}:${jobId}`;
}
