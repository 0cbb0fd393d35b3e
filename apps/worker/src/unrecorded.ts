import { Cluster } from 'ioredis';
import type { Logger } from '@herald/core';
import { decodeUnrecorded, encodeUnrecorded, workerUnrecordedKey, type DeliveryJobSpec, type RedisClient } from '@herald/queue';

// Most deliveries one process lets go of before their attempt is committed; past this, jobs wait for their record again.
const MAX_UNRECORDED = 1_000;
// Entries whose attempt is committed gather this long and are removed in one HDEL: at a steady rate each commit
// holds one attempt, and an HDEL each was a round trip per event. An entry left a little longer is harmless.
const REMOVE_EVERY_MS = 50;

/**
 * Deliveries this worker process sent and let go of before their attempt was
 * committed. A job that delivered (2xx, unordered endpoint) completes as soon
 * as the request is answered, instead of holding its endpoint's concurrency
 * while the attempt writer commits (about half of a job's time under load).
 * What the job's presence in Redis guaranteed until the commit, this hash
 * (`worker:<id>:unrecorded`) guarantees instead:
 * - it is written before the job completes, and each entry is removed once
 *   its attempt is committed (or the writer gave up on it);
 * - if this process dies, the process that reaps it queues every delivery
 *   still listed again (Fleet): each reads PostgreSQL, and is sent again only
 *   if its attempt never reached it, as a job in flight would have been;
 * - the reconciler counts a listed delivery as queued, so a slow commit is
 *   not taken for a lost job (for UNRECORDED_HOLD_MS, in case a removal was
 *   lost).
 */
export class UnrecordedAttempts {
  private readonly key: string;
  private listed = 0;
  /** This turn's entries (field, value, …), listed by one HSET once the turn's I/O callbacks have run. */
  private listing: { fieldsAndValues: string[]; sent: Promise<Sent> } | null = null;
  private removals: string[] = [];
  private removing = new Set<Promise<void>>();
  private removeTimer?: NodeJS.Timeout;

  constructor(private readonly options: { redis: RedisClient; prefix: string; workerId: string; logger: Logger }) {
    this.key = workerUnrecordedKey(options.prefix, options.workerId);
  }

  /**
   * Lets the job go before `recording` settles, if there is room: lists the
   * delivery and unlists it when the attempt is committed. The job's
   * completion must be sent after this resolves, on the same connection.
   * Entries of jobs that finish in the same turn of the event loop go in one
   * HSET, sent at the end of the turn (setImmediate). On a single Redis it
   * resolves once that HSET is sent (the connection's order puts the entry
   * first); on a cluster once Redis has the entry. Resolves false when the
   * job must wait for `recording` itself (too many already wait, or the
   * cluster did not take the entry).
   */
  async letGo(spec: DeliveryJobSpec, recording: Promise<void>): Promise<boolean> {
    if (this.listed >= MAX_UNRECORDED) return false;
    this.listed++;
    const { answer } = await this.list(spec);
    if (this.options.redis instanceof Cluster) {
      // The hash and the job's queue live on different nodes: only the answer says the entry is there first.
      try {
        await answer;
      } catch {
        this.listed--;
        return false;
      }
    }
    // On one Redis the job's completion goes out after the HSET on the same connection, and Redis runs a
    // connection's commands in the order sent: the entry is there before the job is gone, without a round
    // trip of its own. Should Redis refuse the entry, the reconciler queues the delivery again (logged in list()).
    // A failed record leaves the delivery pending in PostgreSQL: unlisted, the reconciler queues it again.
    void recording
      .catch((error: unknown) => this.options.logger.warn('an attempt sent was not recorded; the reconciler will queue it again', { delivery_id: spec.deliveryId, error }))
      .finally(() => this.unlist(spec.deliveryId));
    return true;
  }

  /**
   * Adds the entry to this turn's HSET; resolves once that HSET is sent. At
   * the drain of a backlog a turn finishes several jobs: an HSET each was a
   * command per event, as many as the jobs' completions. Sending each job's
   * HSET at once instead, so its completion need not wait for the end of the
   * turn, cost more than the turn: in 4 interleaved pairs of invocations of
   * the benchmark (12 runs each way in batches to one endpoint, 2026-12-06)
   * the worker used 192 against 183 µs of CPU per event and Redis 75 against
   * 69, for as many events per second, 58.3 against 59.6 % of the bare
   * pipeline's rate beside them (medians).
   */
  private list(spec: DeliveryJobSpec): Promise<Sent> {
    if (!this.listing) {
      const fieldsAndValues: string[] = [];
      const sent = new Promise<Sent>((resolve) =>
        setImmediate(() => {
          this.listing = null;
          const answer = this.options.redis.hset(this.key, ...fieldsAndValues);
          if (!(this.options.redis instanceof Cluster)) {
            answer.catch((error: unknown) =>
              this.options.logger.warn('deliveries sent could not be listed as unrecorded', { deliveries: fieldsAndValues.length / 2, error }),
            );
          }
          // Wrapped: a promise resolved with a promise would wait for Redis's answer.
          resolve({ answer });
        }),
      );
      this.listing = { fieldsAndValues, sent };
    }
    this.listing.fieldsAndValues.push(spec.deliveryId, encodeUnrecorded(spec, Date.now()));
    return this.listing.sent;
  }

  /** Resolves once every entry whose attempt settled so far is removed from Redis. */
  async flush(): Promise<void> {
    this.removeNow();
    while (this.removing.size > 0) await Promise.allSettled([...this.removing]);
  }

  /** Removes entries in one HDEL every REMOVE_EVERY_MS at most. */
  private unlist(deliveryId: string): void {
    this.listed--;
    this.removals.push(deliveryId);
    this.removeTimer ??= setTimeout(() => this.removeNow(), REMOVE_EVERY_MS);
  }

  private removeNow(): void {
    clearTimeout(this.removeTimer);
    this.removeTimer = undefined;
    if (this.removals.length === 0) return;
    const ids = this.removals;
    this.removals = [];
    // A removal lost to a Redis error leaves an entry behind: harmless, as a reaper would find the delivery recorded.
    const removal: Promise<void> = this.options.redis
      .hdel(this.key, ...ids)
      .then(() => undefined, () => undefined)
      .finally(() => this.removing.delete(removal));
    this.removing.add(removal);
  }
}

/** An HSET sent, and Redis's answer to come. */
interface Sent {
  answer: Promise<number>;
}

/** The deliveries a dead worker process let go of unrecorded, removed from Redis as they are read. */
export async function takeUnrecorded(redis: RedisClient, prefix: string, workerId: string): Promise<DeliveryJobSpec[]> {
  const key = workerUnrecordedKey(prefix, workerId);
  const entries = await redis.hgetall(key);
  const specs = Object.values(entries).map((value) => decodeUnrecorded(value).spec);
  if (specs.length > 0) await redis.del(key);
  return specs;
}
