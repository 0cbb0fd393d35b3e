import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@herald/core';
import { pruneFinishedDeliveries, pruneUnheldEvents, type EventCursor, type PrunableStatus, type PrunedRows, type Sql } from '@herald/db';
import { queueKeys, type RedisClient } from '@herald/queue';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long the lock outlives its last renewal while a pass runs (renewed before every batch). */
const HOLD_MS = 30_000;

/** Sets the lock's expiry only while it is still ours (our fleet id). */
const EXPIRE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export interface PrunerOptions {
  sql: Sql;
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** This worker process's fleet id: the lock's value while it holds it. */
  holderId: string;
  /** HERALD_RETENTION_INTERVAL_MS: at most one pass per interval in the whole fleet. */
  intervalMs: number;
  /** HERALD_RETENTION_DAYS: delivered and cancelled deliveries, and events nothing holds, after this. */
  retentionDays: number;
  /** HERALD_DEAD_RETENTION_DAYS: dead deliveries, counted from when they died. */
  deadRetentionDays: number;
  /** Told the rows each batch removed (the rows-pruned counter). */
  onPruned?: (rows: PrunedRows) => void;
  /** Rows per batch (one short transaction each). */
  batchSize?: number;
  /** Pause between two batches, so pruning takes a bounded share of PostgreSQL. */
  pauseMs?: number;
  now?: () => number;
}

/**
 * Retention: removes what HERALD_RETENTION_DAYS and HERALD_DEAD_RETENTION_DAYS
 * say is too old, one worker process of the fleet at a time, continuously.
 * Pending deliveries are never removed; a dead one stays for its own window
 * from when it died; an event goes with its last delivery, or on its own when
 * it never had one.
 *
 * A pass deletes in batches of `batchSize` deliveries (each with its attempts
 * and the events it frees, in one short transaction: packages/db
 * retention.repo.ts) with a pause between batches, so it never holds a lock
 * for long nor takes PostgreSQL from ingest and delivery for long. A pass
 * that finds a backlog (the first pass after turning retention on) works
 * through it batch by batch, renewing its lock as it goes.
 */
export class Pruner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<PrunedRows | null>;
  private stopping = false;
  private readonly lockKey: string;
  private readonly batchSize: number;
  private readonly pauseMs: number;
  private readonly now: () => number;

  constructor(private readonly options: PrunerOptions) {
    this.lockKey = queueKeys(options.prefix).pruneLock;
    this.batchSize = options.batchSize ?? 2_000;
    this.pauseMs = options.pauseMs ?? 50;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  /**
   * One pass if this process gets the fleet's lock; concurrent calls share
   * the pass in progress. Resolves what it removed, or null when another
   * process holds the lock (or the pass failed: logged, retried next interval).
   */
  runOnce(): Promise<PrunedRows | null> {
    if (!this.running) {
      this.running = this.pass()
        .catch((error: unknown) => {
          this.options.logger.warn('retention pass failed', { error });
          return null;
        })
        .finally(() => {
          this.running = undefined;
        });
    }
    return this.running;
  }

  private async pass(): Promise<PrunedRows | null> {
    const { redis, holderId, intervalMs, logger } = this.options;
    if ((await redis.set(this.lockKey, holderId, 'PX', HOLD_MS, 'NX')) !== 'OK') return null;
    const started = this.now();
    const total: PrunedRows = { events: 0, deliveries: 0, attempts: 0 };
    try {
      const finishedBefore = new Date(started - this.options.retentionDays * DAY_MS);
      const deadBefore = new Date(started - this.options.deadRetentionDays * DAY_MS);
      const classes: [PrunableStatus, Date][] = [
        ['delivered', finishedBefore],
        ['cancelled', finishedBefore],
        ['dead', deadBefore],
      ];
      for (const [status, before] of classes) {
        for (;;) {
          if (!(await this.keepLock())) return total;
          const rows = await pruneFinishedDeliveries(this.options.sql, { status, finishedBefore: before, eventsBefore: finishedBefore, limit: this.batchSize });
          this.add(total, rows);
          if (rows.deliveries < this.batchSize) break;
          await sleep(this.pauseMs);
        }
      }
      // Events no delivery holds: those nobody subscribed to, and any left by a batch above.
      let cursor: EventCursor | null = null;
      do {
        if (!(await this.keepLock())) return total;
        const walked: { events: number; next: EventCursor | null } = await pruneUnheldEvents(this.options.sql, {
          createdBefore: finishedBefore,
          cursor,
          limit: this.batchSize,
        });
        this.add(total, { events: walked.events, deliveries: 0, attempts: 0 });
        cursor = walked.next;
        if (cursor) await sleep(this.pauseMs);
      } while (cursor);
      return total;
    } finally {
      // The next pass in the fleet comes one interval after this one ended.
      await redis.eval(EXPIRE_IF_OURS, 1, this.lockKey, holderId, String(Math.max(1, intervalMs - 50))).catch(() => undefined);
      if (total.events + total.deliveries + total.attempts > 0) {
        logger.info('retention pass', { ...total, ms: this.now() - started });
      }
    }
  }

  /** Renews the lock before a batch; false when stopping or when it is no longer ours (then the pass ends). */
  private async keepLock(): Promise<boolean> {
    if (this.stopping) return false;
    return (await this.options.redis.eval(EXPIRE_IF_OURS, 1, this.lockKey, this.options.holderId, String(HOLD_MS))) === 1;
  }

  private add(total: PrunedRows, rows: PrunedRows): void {
    total.events += rows.events;
    total.deliveries += rows.deliveries;
    total.attempts += rows.attempts;
    if (rows.events + rows.deliveries + rows.attempts > 0) this.options.onPruned?.(rows);
  }

  /** Stops after the batch in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }
}
