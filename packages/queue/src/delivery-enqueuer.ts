import { FlowProducer } from 'bullmq';
import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { MicroBatcher, withTimeout } from '@herald/core';
import { DELIVER_JOB, deliverJobData, deliverJobOptions, EVENTS_MAX_LEN, type DeliveryJobSpec } from './delivery-jobs.js';
import { EndpointQueues } from './endpoint-queues.js';
import { endpointQueueName, queueKeys, queueMetaKey } from './names.js';
import type { RedisClient } from './redis.js';

/**
 * Longest an enqueue is waited for. Callers have already committed the
 * deliveries, so a failed or slow enqueue is logged and left to the
 * reconciler; an add that lands after this is handled as a late job
 * (INLINE_EVENT_TRUST_MS).
 */
export const ENQUEUE_TIMEOUT_MS = 1_000;

// Endpoints whose queue meta this process wrote lately; beyond this many the memory starts afresh.
const MAX_REMEMBERED = 50_000;
// How long a meta write is remembered: after a Redis flush the next enqueue after this writes it again.
const META_REFRESH_MS = 60_000;
// A call with at least this many jobs goes on its own; smaller concurrent ones are combined.
const OWN_ROUND_TRIP_JOBS = 50;
/**
 * Jobs handed off (handOff) that Redis has not answered yet, beyond which a
 * caller waits for its own again: while Redis is slow or stalled, what ingest
 * accepts cannot pile up in this process's memory without bound.
 */
export const MAX_UNANSWERED_JOBS = 10_000;

export interface DeliveryEnqueuerOptions {
  redis: RedisClient;
  prefix: string;
  /** MAX_UNANSWERED_JOBS unless told (tests). */
  maxUnansweredJobs?: number;
}

/**
 * Puts delivery jobs into their endpoints' queues and marks the endpoints
 * ready, so a worker picks them up at once. Small calls made in the same turn
 * of the event loop (concurrent ingest requests) are combined. Every command
 * or transaction stays within one hash slot, so it runs on a Redis Cluster
 * too.
 */
export class DeliveryEnqueuer {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly queues: EndpointQueues;
  /** On a Redis Cluster only: adds many jobs over several queues of one hash slot in one transaction (BullMQ's flows without children). */
  private readonly flows: FlowProducer | null;
  /** When this process last wrote each endpoint's queue meta (performance.now()). */
  private readonly metaWrittenAt = new Map<string, number>();
  /** Combines the small enqueues of one turn of the event loop (concurrent requests) into one round trip. */
  private readonly batcher = new MicroBatcher<readonly DeliveryJobSpec[], void>(async (calls) => {
    await this.enqueueNow(calls.flat());
    return calls.map(() => undefined);
  });
  private readonly maxUnansweredJobs: number;
  /** Jobs sent whose answer has not come back (however late it comes). */
  private unansweredJobs = 0;
  /** Hand-offs not finished yet (close() waits for them). */
  private readonly handedOff = new Set<Promise<void>>();

  constructor({ redis, prefix, maxUnansweredJobs = MAX_UNANSWERED_JOBS }: DeliveryEnqueuerOptions) {
    this.redis = redis;
    this.prefix = prefix;
    this.maxUnansweredJobs = maxUnansweredJobs;
    this.queues = new EndpointQueues({ redis, prefix, maxHandles: 1_000 });
    this.flows = redis instanceof Cluster ? new FlowProducer({ connection: redis, prefix }) : null;
    this.flows?.on('error', () => undefined); // connection errors are logged by the connection's owner (createRedis)
  }

  /** Enqueues the deliveries; resolves once Redis has them, rejects when it does not answer within ENQUEUE_TIMEOUT_MS. */
  async enqueue(specs: readonly DeliveryJobSpec[]): Promise<void> {
    if (specs.length === 0) return;
    this.unansweredJobs += specs.length;
    const added = (specs.length >= OWN_ROUND_TRIP_JOBS ? this.enqueueNow(specs) : this.batcher.add(specs)).finally(() => {
      this.unansweredJobs -= specs.length;
    });
    await withTimeout(added, ENQUEUE_TIMEOUT_MS, 'enqueue');
  }

  /**
   * Enqueues committed deliveries without making the caller wait for Redis:
   * resolves at once while fewer than MAX_UNANSWERED_JOBS jobs wait for an
   * answer, otherwise when these are enqueued or given up on (as enqueue()).
   * Never rejects: a failure goes to `onError` (the reconciler queues what
   * Redis missed). close() waits for every hand-off.
   */
  async handOff(specs: readonly DeliveryJobSpec[], onError: (error: unknown) => void): Promise<void> {
    if (specs.length === 0) return;
    const wait = this.unansweredJobs + specs.length > this.maxUnansweredJobs;
    const done: Promise<void> = this.enqueue(specs)
      .catch(onError)
      .finally(() => this.handedOff.delete(done));
    this.handedOff.add(done);
    if (wait) await done;
  }

  /**
   * On a single Redis every add, then the endpoints' signal, go out at once on
   * the one connection: one round trip, and Redis runs a connection's commands
   * in the order sent, so a worker that pops an endpoint finds its jobs. On a
   * Redis Cluster the ready set and the queues live on different nodes, so the
   * signal waits for the adds, which go in one transaction per hash slot.
   */
  private async enqueueNow(specs: readonly DeliveryJobSpec[]): Promise<void> {
    const endpointIds = [...new Set(specs.map((s) => s.endpointId))];
    const { flows } = this;
    if (!flows) {
      const adds = await this.queues.sendAdds(specs.map((spec) => ({ endpointId: spec.endpointId, data: deliverJobData(spec), opts: deliverJobOptions(spec) })));
      await Promise.all([...adds, this.signal(endpointIds)]);
      return;
    }
    const bySlot = new Map<number, DeliveryJobSpec[]>();
    for (const spec of specs) {
      const slot = calculateSlot(endpointQueueName(spec.endpointId));
      const group = bySlot.get(slot);
      if (group) group.push(spec);
      else bySlot.set(slot, [spec]);
    }
    await Promise.all(
      [...bySlot.values()].map((group) =>
        flows.addBulk(
          group.map((spec) => ({
            name: DELIVER_JOB,
            queueName: endpointQueueName(spec.endpointId),
            prefix: this.prefix,
            data: deliverJobData(spec),
            opts: deliverJobOptions(spec),
          })),
        ),
      ),
    );
    await this.signal(endpointIds);
  }

  /**
   * Marks endpoints ready (an endpoint already waiting keeps its place), all
   * in one ZADD, and keeps their queues' events stream short.
   */
  async signal(endpointIds: readonly string[]): Promise<void> {
    if (endpointIds.length === 0) return;
    const { ready } = queueKeys(this.prefix);
    const now = performance.now();
    if (this.metaWrittenAt.size + endpointIds.length > MAX_REMEMBERED) this.metaWrittenAt.clear();
    const writes: Promise<unknown>[] = [];
    const at = Date.now();
    const members: (number | string)[] = [];
    for (const id of endpointIds) {
      if (!(now - (this.metaWrittenAt.get(id) ?? -Infinity) < META_REFRESH_MS)) {
        this.metaWrittenAt.set(id, now);
        writes.push(this.redis.hset(queueMetaKey(this.prefix, endpointQueueName(id)), 'opts.maxLenEvents', EVENTS_MAX_LEN));
      }
      members.push(at, id);
    }
    writes.push(this.redis.zadd(ready, 'NX', ...members));
    await Promise.all(writes);
  }

  /** Waits for the hand-offs (each at most ENQUEUE_TIMEOUT_MS), then closes the queue handles (the Redis connection belongs to the caller). */
  async close(): Promise<void> {
    while (this.handedOff.size > 0) await Promise.all([...this.handedOff]);
    await Promise.all([this.queues.close(), this.flows?.close()]);
  }
}
