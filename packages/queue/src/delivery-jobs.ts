import type { JobsOptions } from 'bullmq';
import type { DeliverJob, InlineEvent } from '@herald/schemas';

/** The one job kind: deliver one delivery (one event to one endpoint). */
export const DELIVER_JOB = 'deliver';

/** Events stream length per queue: the dead-letter record lives in PostgreSQL. */
export const EVENTS_MAX_LEN = 100;

/**
 * How long after its event was created a job's inline event is trusted to
 * describe a delivery still pending, so its first try needs no query. Older
 * jobs (a backlog, or late adds, e.g. from an ingest cut off from Redis for a
 * while) check the delivery in PostgreSQL: the inline event is used while it is
 * pending and never attempted, and the delivery is skipped once it is not
 * pending. The reconciler never queues a delivery younger than this, so within
 * it the only job for a delivery is ingest's.
 */
export const INLINE_EVENT_TRUST_MS = 5_000;

/** What to enqueue for one delivery. */
export interface DeliveryJobSpec {
  deliveryId: string;
  tenantId: string;
  /** The queue's owner: the endpoint of a webhook, the tenant id of an email (names.ts). */
  endpointId: string;
  maxAttempts: number;
  /** Wait before the first try (a re-enqueued retry keeps its schedule). */
  delayMs?: number;
  /** The event, for a first attempt that need not read PostgreSQL (ingest only). */
  event?: InlineEvent;
}

/** A job's data: what the queue and the job's options do not already say. */
export function deliverJobData({ deliveryId, tenantId, event }: DeliveryJobSpec): DeliverJob {
  return event ? { deliveryId, tenantId, event } : { deliveryId, tenantId };
}

/**
 * Job options for a delivery. The job id is the delivery id, so adding the
 * same delivery twice never makes two live jobs; finished jobs are removed
 * at once so a replay can add it again. `attempts` carries the delivery's
 * max_attempts to the worker, which schedules each retry itself (the decision
 * is packages/delivery's), so BullMQ never retries on its own.
 */
export function deliverJobOptions(spec: DeliveryJobSpec): JobsOptions {
  return {
    jobId: spec.deliveryId,
    attempts: spec.maxAttempts,
    delay: spec.delayMs && spec.delayMs > 0 ? Math.round(spec.delayMs) : undefined,
    removeOnComplete: true,
    removeOnFail: true,
  };
}
