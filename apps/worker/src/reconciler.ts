import type { Redis } from 'ioredis';
import type { Logger } from '@herald/core';
import { scanPendingDeliveries, type PendingDelivery, type PrismaClient } from '@herald/db';
import { deliveriesWithoutJob, queueKeys, type DeliveryEnqueuer } from '@herald/queue';

export interface ReconcilerOptions {
  db: PrismaClient;
  redis: Redis;
  prefix: string;
  enqueuer: DeliveryEnqueuer;
  logger: Logger;
  intervalMs: number;
  /** How late a due delivery may be before it counts as overdue. */
  graceMs?: number;
  batchSize?: number;
}

/**
 * Keeps Redis in line with PostgreSQL, the source of truth (invariant 1):
 * every pending delivery whose job is missing is enqueued again, with the
 * delivery id as job id so a live job is never doubled. Each pass checks the
 * overdue deliveries; when the sentinel key is gone (Redis restarted empty or
 * was flushed) it checks every pending delivery once.
 */
export class Reconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly sentinel: string;

  constructor(private readonly options: ReconcilerOptions) {
    this.sentinel = queueKeys(options.prefix).sentinel;
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
    // SET NX answers OK only when the key was missing: Redis lost everything since we last looked.
    const lostRedis = (await redis.set(this.sentinel, String(Date.now()), 'NX')) === 'OK';
    const dueBefore = lostRedis ? undefined : new Date(Date.now() - (this.options.graceMs ?? 10_000));
    const requeued = await this.requeueMissing(dueBefore);
    if (requeued > 0 || lostRedis) {
      logger.info('reconciled pending deliveries', { requeued, full_scan: lostRedis });
    }
  }

  /** Re-enqueues pending deliveries (all, or those due before `dueBefore`) that have no job. */
  async requeueMissing(dueBefore?: Date): Promise<number> {
    const { db, redis, prefix, enqueuer } = this.options;
    const batchSize = this.options.batchSize ?? 1000;
    let afterId: string | null = null;
    let requeued = 0;
    for (;;) {
      const batch: PendingDelivery[] = await scanPendingDeliveries(db, { afterId, dueBefore, limit: batchSize });
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
