import { randomUUID } from 'node:crypto';
import type { Logger } from '@herald/core';
import { queueKeys, workerEndpointsKey, workerUnrecordedKey, type DeliveryJobSpec, type EndpointQueues, type RedisClient } from '@herald/queue';
import { takeUnrecorded } from './unrecorded.js';

export interface FleetOptions {
  redis: RedisClient;
  prefix: string;
  queues: EndpointQueues;
  /**
   * HERALD_WORKER_LEASE_MS: a worker process that has not renewed its lease
   * for this long is taken for dead, and the others move its in-flight jobs
   * back to waiting. Renewed four times per lease.
   */
  leaseMs: number;
  logger: Logger;
  /** Told when a dead worker's jobs were handed back (the endpoint is ready again). */
  onReleased?: (endpointId: string, jobs: number) => void;
  /** Queues again the deliveries a dead worker sent but had not recorded (unrecorded.ts). */
  requeue: (deliveries: DeliveryJobSpec[]) => Promise<void>;
}

// Most endpoints unlisted in one SREM.
const UNLIST_CHUNK = 1_000;

/**
 * This worker process's membership of the fleet. Each process holds a lease
 * (`workers`, scored by expiry) and lists the endpoints it holds jobs of
 * (`worker:<id>:endpoints`, written before it takes a job of one, and
 * trimmed at each renewal of what it no longer holds). Every
 * process looks for expired leases as it renews its own; the one that removes
 * a dead process's lease (ZREM answers 1 to exactly one) moves that process's
 * jobs — those still locked with its token, or no longer locked at all — back
 * to waiting and marks their endpoints ready, and queues again the deliveries
 * it had sent but not yet recorded (its unrecorded hash). So a killed worker's
 * in-flight deliveries run again within about one lease, on whichever process
 * is free; each reads PostgreSQL first, so what it did record is not sent again.
 */
export class Fleet {
  /** This process's id, also the lock token of every job it takes. */
  readonly id = `w_${randomUUID()}`;
  private readonly keys: ReturnType<typeof queueKeys>;
  private readonly endpointsKey: string;
  /** Endpoints this process holds jobs of now, with how many. */
  private readonly held = new Map<string, number>();
  /**
   * Endpoints this process holds no job of any more but are still listed in
   * Redis: removed at the next renewal, unless held again before. At a steady
   * rate an endpoint's queue empties and fills with every event; listing and
   * unlisting it each time was two Redis commands per event.
   */
  private idle = new Set<string>();
  private timer?: NodeJS.Timeout;
  private renewing?: Promise<void>;

  constructor(private readonly options: FleetOptions) {
    this.keys = queueKeys(options.prefix);
    this.endpointsKey = workerEndpointsKey(options.prefix, this.id);
  }

  /** Takes the lease and keeps renewing it (and looking for dead workers). */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => {
      this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
    }, Math.max(50, Math.round(this.options.leaseMs / 4)));
    this.timer.unref();
  }

  /** Registers that this process is about to take jobs of an endpoint (must resolve before it does). */
  async hold(endpointId: string): Promise<void> {
    // Still listed (released lately, not unlisted yet): nothing to write.
    if (!this.held.has(endpointId) && !this.idle.delete(endpointId)) await this.options.redis.sadd(this.endpointsKey, endpointId);
    this.held.set(endpointId, (this.held.get(endpointId) ?? 0) + 1);
  }

  /** This process holds one job fewer of the endpoint (unlisted at the next renewal if it holds none by then). */
  release(endpointId: string): void {
    const count = (this.held.get(endpointId) ?? 1) - 1;
    if (count > 0) {
      this.held.set(endpointId, count);
      return;
    }
    this.held.delete(endpointId);
    this.idle.add(endpointId);
  }

  /** Unlists the endpoints released since the last call and not held again, in one command. */
  private unlistIdle(): void {
    if (this.idle.size === 0) return;
    const ids = [...this.idle];
    this.idle = new Set();
    // Harmless if lost: a stale entry only makes a reaper look at a queue with nothing of ours in it. A hold()
    // of one of them from now on lists it again, and that SADD goes out after this on the same connection.
    for (let i = 0; i < ids.length; i += UNLIST_CHUNK) {
      this.options.redis.srem(this.endpointsKey, ...ids.slice(i, i + UNLIST_CHUNK)).catch(() => undefined);
    }
  }

  /** Renews this process's lease and hands back the jobs of processes whose lease expired. */
  private async renew(): Promise<void> {
    const { redis, leaseMs, logger } = this.options;
    try {
      this.unlistIdle();
      const now = Date.now();
      await redis.zadd(this.keys.workers, now + leaseMs, this.id);
      const dead = await redis.zrangebyscore(this.keys.workers, '-inf', now);
      for (const id of dead) {
        if (id !== this.id && (await redis.zrem(this.keys.workers, id)) === 1) await this.reap(id);
      }
    } catch (error) {
      logger.warn('renewing the worker lease failed', { error });
    }
  }

  /** Moves a dead worker's jobs back to waiting. */
  private async reap(deadId: string): Promise<void> {
    const { redis, queues, logger } = this.options;
    const key = workerEndpointsKey(this.options.prefix, deadId);
    const endpoints = await redis.smembers(key);
    let jobs = 0;
    for (const endpointId of endpoints) {
      const released = await queues.releaseOrphans(endpointId, (lock) => lock === deadId || lock === null);
      if (released > 0) {
        await redis.zadd(this.keys.ready, 'NX', Date.now(), endpointId);
        this.options.onReleased?.(endpointId, released);
      }
      jobs += released;
    }
    await redis.del(key);
    const unrecorded = await takeUnrecorded(redis, this.options.prefix, deadId);
    if (unrecorded.length > 0) await this.options.requeue(unrecorded);
    logger.warn('worker presumed dead: its jobs were handed back', { dead_worker: deadId, endpoints: endpoints.length, jobs, unrecorded: unrecorded.length });
  }

  /** Leaves the fleet (after this process finished its jobs). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    const { redis, prefix } = this.options;
    // One key per command: on a Redis Cluster the keys live in different slots.
    await Promise.all([redis.zrem(this.keys.workers, this.id), redis.del(this.endpointsKey), redis.del(workerUnrecordedKey(prefix, this.id))]).catch(() => undefined);
  }
}
