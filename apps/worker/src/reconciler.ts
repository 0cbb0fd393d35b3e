import type { Logger } from '@herald/core';
import { scanPendingDeliveries, type PendingDelivery, type Sql } from '@herald/db';
import { deliveriesWithoutJob, INLINE_EVENT_TRUST_MS, queueKeys, type DeliveryEnqueuer, type RedisClient } from '@herald/queue';

export interface ReconcilerOptions {
  sql: Sql;
  redis: RedisClient;
  prefix: string;
  enqueuer: DeliveryEnqueuer;
  logger: Logger;
  intervalMs: number;
  /** How late a due delivery may be before it counts as overdue (never less than INLINE_EVENT_TRUST_MS). */
  graceMs?: number;
  batchSize?: number;
}

/** Which pending deliveries a pass looks at. */
type Scope = { overdueBefore: Date } | { createdBefore: Date };

/**
 * Keeps Redis in line with PostgreSQL, the source of truth (invariant 1), one
 * worker process of the fleet at a time:
 * every pending delivery whose job is missing is enqueued again, with the
 * delivery id as job id so a live job is never doubled. Each pass checks the
 * overdue deliveries (and nudges the workers of those whose job is there but
 * untouched); when the sentinel key is gone (Redis restarted empty or was
 * flushed) it checks every pending delivery once.
 *
 * It never queues a delivery younger than INLINE_EVENT_TRUST_MS: ingest's own
 * job may still be on its way, and the worker trusts such a job without
 * reading the delivery.
 */
export class Reconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly sentinel: string;
  private readonly graceMs: number;

  constructor(private readonly options: ReconcilerOptions) {
    this.sentinel = queueKeys(options.prefix).sentinel;
    this.graceMs = Math.max(options.graceMs ?? 10_000, INLINE_EVENT_TRUST_MS);
  }

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** One pass; concurrent calls share the pass in progress. */
  runOnce(): Promise<void> {
    if (!this.running) {
      this.running = this.pass()
        .catch((error: unknown) => {
          this.options.logger.warn('reconcile pass failed', { error });
        })
        .finally(() => {
          this.running = undefined;
        });
    }
    return this.running;
  }

  private async pass(): Promise<void> {
    const { redis, logger } = this.options;
    // One pass at a time in a fleet: the lock expires with the interval, so a dead holder delays the next pass only.
    const lock = await redis.set(queueKeys(this.options.prefix).reconcileLock, '1', 'PX', Math.max(1_000, this.options.intervalMs - 50), 'NX');
    if (lock !== 'OK') return;
    // SET NX answers OK only when the key was missing: Redis lost everything since we last looked.
    const lostRedis = (await redis.set(this.sentinel, String(Date.now()), 'NX')) === 'OK';
    const now = Date.now();
    const scope: Scope = lostRedis ? { createdBefore: new Date(now - INLINE_EVENT_TRUST_MS) } : { overdueBefore: new Date(now - this.graceMs) };
    const requeued = await this.requeueMissing(scope);
    if (requeued > 0 || lostRedis) {
      logger.info('reconciled pending deliveries', { requeued, full_scan: lostRedis });
    }
  }

  /**
   * Re-enqueues the pending deliveries in scope that have no job. Overdue ones
   * that do have a job get their endpoint signalled, in case no Worker serves it.
   */
  private async requeueMissing(scope: Scope): Promise<number> {
    const { sql, redis, prefix, enqueuer } = this.options;
    const batchSize = this.options.batchSize ?? 1000;
    const filter = 'overdueBefore' in scope ? { dueBefore: scope.overdueBefore } : { createdBefore: scope.createdBefore };
    let afterId: string | null = null;
    let requeued = 0;
    for (;;) {
      const batch: PendingDelivery[] = await scanPendingDeliveries(sql, { afterId, ...filter, limit: batchSize });
      if (batch.length === 0) break;
      afterId = batch[batch.length - 1]!.deliveryId;
      const missing = await deliveriesWithoutJob(redis, prefix, batch);
      const now = Date.now();
      await enqueuer.enqueue(
        missing.map((d) => ({
          deliveryId: d.deliveryId,
          tenantId: d.tenantId,
          endpointId: d.endpointId,
          maxAttempts: d.maxAttempts,
          delayMs: d.nextAttemptAt ? d.nextAttemptAt.getTime() - now : 0,
        })),
      );
      if ('overdueBefore' in scope) {
        const queued = new Set(missing.map((d) => d.deliveryId));
        await enqueuer.signal([...new Set(batch.filter((d) => !queued.has(d.deliveryId)).map((d) => d.endpointId))]);
      }
      requeued += missing.length;
      if (batch.length < batchSize) break;
    }
    return requeued;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
