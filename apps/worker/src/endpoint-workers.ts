import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@herald/core';
import { BACKOFF_TYPE, DELIVER_JOB, endpointQueueName, openEndpointQueue, queueKeys, SIGNAL_REPEAT_MS, type QueueKeys } from '@herald/queue';
import { RetryLaterError } from '@herald/delivery';
import type { DeliverJob } from '@herald/schemas';
import type { DeliverResult, DeliveryRun } from './deliver.processor.js';

/**
 * BullMQ's limiter lets `max` jobs through per `duration` window. The shortest
 * window that holds the rate exactly keeps bursts small (20/s becomes 2 per
 * 100 ms rather than 20 at the top of each second).
 */
export function limiterFor(ratePerSecond: number): { max: number; duration: number } {
  for (const duration of [100, 200, 250, 500]) {
    if ((ratePerSecond * duration) % 1000 === 0) return { max: (ratePerSecond * duration) / 1000, duration };
  }
  return { max: ratePerSecond, duration: 1000 };
}

export interface EndpointWorkersOptions {
  /** Shared connection for non-blocking commands; each Worker duplicates it for its blocking one. */
  redis: Redis;
  /** Dedicated connection for the work-channel subscription. */
  subscriber: Redis;
  prefix: string;
  concurrency: number;
  deliver: (run: DeliveryRun) => Promise<DeliverResult>;
  /** Told when the api announces that an endpoint's settings changed. */
  onEndpointChanged?: (endpointId: string) => void;
  /** Per-endpoint rate limit (deliveries per second), or null. */
  rateLimitOf: (endpointId: string) => Promise<number | null>;
  /** Delay for an error that is not a RetryLaterError (e.g. PostgreSQL down mid-job). */
  fallbackDelayMs: number;
  logger: Logger;
  /** How often the active set is re-read, in case a pub/sub nudge was missed. */
  sweepIntervalMs?: number;
  /**
   * Job lock, renewed every half of it while a job runs. The stalled check runs
   * every half too, so a dead worker's jobs run again within about 1.5 × this.
   */
  lockMs: number;
  /**
   * How long an endpoint's Worker outlives its last job. Starting a Worker
   * costs a Redis connection and a query, so an endpoint that gets an event
   * every few seconds keeps its Worker; one that falls quiet loses it. Never
   * less than twice SIGNAL_REPEAT_MS: enqueuers skip repeated signals within
   * that window, counting on the Worker still being there.
   */
  idleMs: number;
}

/**
 * Runs one BullMQ Worker per endpoint that has work, and none for idle ones:
 * a Worker is created when the endpoint is signalled (pub/sub nudge, or found
 * in the active set by the periodic sweep) and closed once its queue has
 * nothing waiting, active or delayed.
 */
export class EndpointWorkers {
  private readonly workers = new Map<string, Worker<DeliverJob, DeliverResult>>();
  /** When each endpoint's Worker last started or finished a job. */
  private readonly lastActive = new Map<string, number>();
  private readonly starting = new Map<string, Promise<void>>();
  private readonly keys: QueueKeys;
  private sweepTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: EndpointWorkersOptions) {
    this.keys = queueKeys(options.prefix);
  }

  /** Number of live Workers (one per endpoint with work). */
  get size(): number {
    return this.workers.size;
  }

  /** Jobs waiting, delayed or active across the endpoints that have Workers now. */
  async depth(): Promise<number> {
    const { redis, prefix } = this.options;
    let total = 0;
    for (const endpointId of this.workers.keys()) {
      const queue = openEndpointQueue(redis, prefix, endpointId);
      try {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        total += Object.values(counts).reduce((a, b) => a + b, 0);
      } finally {
        await queue.close();
      }
    }
    return total;
  }

  async start(): Promise<void> {
    const { subscriber } = this.options;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.workChannel) for (const id of message.split(',')) void this.ensure(id);
      if (channel === this.keys.changedChannel) {
        this.options.onEndpointChanged?.(message);
        void this.restart(message);
      }
    });
    await subscriber.subscribe(this.keys.workChannel, this.keys.changedChannel);
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs ?? 5000);
    this.sweepTimer.unref();
  }

  /** Ensures a Worker for every endpoint in the active set, and retires the idle ones. */
  async sweep(): Promise<void> {
    try {
      const ids = await this.options.redis.smembers(this.keys.activeEndpoints);
      const known = [...this.workers.keys()];
      await Promise.all([...ids.map((id) => this.ensure(id)), ...known.map((id) => this.retireIfIdle(id))]);
    } catch (error) {
      this.options.logger.warn('sweep of active endpoints failed', { error });
    }
  }

  /** Ensures a Worker runs for this endpoint. */
  ensure(endpointId: string): Promise<void> {
    if (this.closed || this.workers.has(endpointId) || !/^ep_[0-9A-Z]{26}$/.test(endpointId)) return Promise.resolve();
    let pending = this.starting.get(endpointId);
    if (!pending) {
      pending = this.create(endpointId).finally(() => this.starting.delete(endpointId));
      this.starting.set(endpointId, pending);
    }
    return pending;
  }

  /** Replaces an endpoint's Worker (after in-flight jobs finish) when its rate limit changed. */
  async restart(endpointId: string): Promise<void> {
    if (!this.workers.has(endpointId)) return;
    const rate = await this.options.rateLimitOf(endpointId).catch(() => undefined);
    if (rate !== undefined && rate === this.rateOf(endpointId)) return; // another setting changed: nothing to restart for
    const worker = this.workers.get(endpointId);
    if (!worker) return;
    this.workers.delete(endpointId);
    await worker.close();
    await this.ensure(endpointId);
  }

  /** The rate limit the endpoint's Worker runs with (per second), read back from its limiter. */
  private rateOf(endpointId: string): number | null | undefined {
    const worker = this.workers.get(endpointId);
    if (!worker) return undefined;
    const limiter = worker.opts.limiter;
    return limiter ? (limiter.max * 1000) / limiter.duration : null;
  }

  private async create(endpointId: string): Promise<void> {
    const { redis, prefix, concurrency, deliver, fallbackDelayMs, logger } = this.options;
    const rate = await this.options.rateLimitOf(endpointId);
    if (this.closed || this.workers.has(endpointId)) return;
    const worker = new Worker<DeliverJob, DeliverResult>(
      endpointQueueName(endpointId),
      async (job: Job<DeliverJob>) =>
        job.name === DELIVER_JOB
          ? deliver({
              ...job.data,
              endpointId,
              maxAttempts: job.opts.attempts ?? 1,
              firstTry: job.attemptsMade === 0 && job.stalledCounter === 0,
            })
          : 'skipped',
      {
        connection: redis,
        prefix,
        concurrency,
        limiter: rate ? limiterFor(rate) : undefined,
        lockDuration: this.options.lockMs,
        stalledInterval: Math.max(1, Math.round(this.options.lockMs / 2)),
        // A job found stalled more often than this fails; the reconciler then re-enqueues it from PostgreSQL.
        maxStalledCount: 3,
        settings: {
          backoffStrategy: (_attemptsMade, type, error) =>
            type === BACKOFF_TYPE && error instanceof RetryLaterError ? error.delayMs : fallbackDelayMs,
        },
      },
    );
    worker.on('error', (error) => logger.warn('worker error', { endpoint_id: endpointId, error }));
    const touch = () => this.lastActive.set(endpointId, Date.now());
    worker.on('active', touch);
    worker.on('completed', touch);
    worker.on('failed', touch);
    touch();
    this.workers.set(endpointId, worker);
    logger.debug('worker started', { endpoint_id: endpointId });
  }

  /**
   * Closes the endpoint's Worker once it has been idle for `idleMs` and its
   * queue is empty (checked by the periodic sweep). The endpoint leaves
   * the active set first and the queue is checked again after, so work added
   * in between is never stranded: it either shows in the second check or its
   * signal re-adds the endpoint.
   */
  private async retireIfIdle(endpointId: string): Promise<void> {
    const worker = this.workers.get(endpointId);
    if (!worker || this.closed) return;
    const idleMs = Math.max(this.options.idleMs, 2 * SIGNAL_REPEAT_MS);
    if (Date.now() - (this.lastActive.get(endpointId) ?? 0) < idleMs) return;
    const { redis, prefix } = this.options;
    const queue = openEndpointQueue(redis, prefix, endpointId);
    try {
      const busy = async () => {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
        return Object.values(counts).some((n) => n > 0);
      };
      if (await busy()) return;
      await redis.srem(this.keys.activeEndpoints, endpointId);
      if (await busy()) {
        await redis.sadd(this.keys.activeEndpoints, endpointId);
        return;
      }
      this.workers.delete(endpointId);
      this.lastActive.delete(endpointId);
      await worker.close();
      this.options.logger.debug('worker retired', { endpoint_id: endpointId });
    } catch (error) {
      this.options.logger.warn('retiring a worker failed', { endpoint_id: endpointId, error });
    } finally {
      await queue.close();
    }
  }

  /** Stops taking jobs and waits for the ones in flight to finish. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    await Promise.allSettled(this.starting.values());
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    this.workers.clear();
    await this.options.subscriber.quit().catch(() => undefined);
  }
}
