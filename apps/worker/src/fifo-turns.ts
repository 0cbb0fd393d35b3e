import type { Logger } from '@herald/core';
import { mustWaitForTurn, passTurn, type Sql } from '@herald/db';
import { RetryLaterError } from '@herald/delivery';
import { queueKeys, type EndpointQueues, type RedisClient } from '@herald/queue';

/** Thrown for a fifo delivery whose turn has not come: its job is parked (delayed) until a predecessor releases it. */
export class NotYourTurnError extends RetryLaterError {
  constructor(delayMs: number) {
    super('an earlier delivery on its ordering key is still pending', delayMs);
    this.name = 'NotYourTurnError';
  }
}

export interface FifoTurnsOptions {
  sql: Sql;
  redis: RedisClient;
  prefix: string;
  queues: EndpointQueues;
  /** HERALD_FIFO_RECHECK_MS: how long a parked job waits before it looks again, if nothing released it sooner. */
  recheckMs: number;
  logger: Logger;
}

/**
 * The one owner of ordered delivery on the worker side. PostgreSQL holds the
 * order (each fifo delivery's place on its key, taken at fan-out); Redis only
 * holds the jobs. So:
 *
 * - before sending, a fifo delivery checks that no earlier one on its key is
 *   pending ({@link check}); if one is, its job is parked as delayed;
 * - a fifo delivery that becomes delivered, dead or cancelled passes the turn
 *   ({@link finished}): the next pending delivery on its key has its job
 *   moved to waiting (and, after a death, is marked `order_broken_by`);
 * - a job that was just parked looks once more ({@link parked}), so a turn
 *   passed while it was being parked is not missed.
 *
 * Anything lost on the way (a worker killed between commit and promote, Redis
 * emptied, a job re-added by the reconciler) only costs time: every job
 * checks PostgreSQL before sending, and a parked job looks again after
 * recheckMs whatever happens.
 */
export class FifoTurns {
  constructor(private readonly options: FifoTurnsOptions) {}

  /** Throws NotYourTurnError when an earlier delivery on the key is still pending. */
  async check(tenantId: string, deliveryId: string): Promise<void> {
    if (await mustWaitForTurn(this.options.sql, tenantId, deliveryId)) throw new NotYourTurnError(this.options.recheckMs);
  }

  /** A fifo delivery finished (delivered, dead or cancelled): release the next one on its key. */
  async finished(endpointId: string, tenantId: string, deliveryId: string, died: boolean): Promise<void> {
    const next = await passTurn(this.options.sql, tenantId, deliveryId, died);
    if (next) await this.release(endpointId, next);
  }

  /** A job was just parked: if its turn came meanwhile, release it now. */
  async parked(endpointId: string, tenantId: string, deliveryId: string): Promise<void> {
    if (!(await mustWaitForTurn(this.options.sql, tenantId, deliveryId))) await this.release(endpointId, deliveryId);
  }

  private async release(endpointId: string, deliveryId: string): Promise<void> {
    try {
      // The job id is the delivery id. Not delayed (running, or already waiting): nothing to do.
      if (await this.options.queues.promote(endpointId, deliveryId)) {
        await this.options.redis.zadd(queueKeys(this.options.prefix).ready, 'NX', Date.now(), endpointId);
      }
    } catch (error) {
      // Best effort: the parked job looks again after recheckMs.
      this.options.logger.warn('releasing the next fifo delivery failed', { endpoint_id: endpointId, delivery_id: deliveryId, error });
    }
  }
}
