import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { MicroBatcher, withTimeout } from '@herald/core';
import { DELIVER_JOB, deliverJobData, deliverJobOptions, EVENTS_MAX_LEN, type DeliveryJobSpec } from './delivery-jobs.js';
import { openEndpointQueue } from './endpoint-queue.js';
import { endpointQueueName, queueKeys, queueMetaKey } from './names.js';

/**
 * How long after signalling an endpoint an enqueuer skips signalling it again
 * (one signal a second per endpoint instead of one per event). Safe because
 * the worker keeps an endpoint's Worker for at least twice this after its last
 * job (EndpointWorkers), so work enqueued within the window always finds one;
 * the reconciler re-signals anything overdue in any case.
 */
export const SIGNAL_REPEAT_MS = 1000;
// Endpoints remembered as signalled; beyond this many the memory starts afresh (a signal too many is harmless).
const MAX_REMEMBERED = 50_000;
// Queue objects kept for single-job adds; the least recently used is closed beyond this many.
const MAX_QUEUES = 1_000;
// A call with at least this many jobs goes on its own; smaller concurrent ones are combined.
const OWN_ROUND_TRIP_JOBS = 50;

/**
 * Longest an enqueue is waited for. Callers have already committed the
 * deliveries, so a failed or slow enqueue is logged and left to the
 * reconciler; an add that lands after this is handled as a late job
 * (INLINE_EVENT_TRUST_MS).
 */
export const ENQUEUE_TIMEOUT_MS = 1_000;

export interface DeliveryEnqueuerOptions {
  redis: Redis;
  prefix: string;
}

/**
 * Puts delivery jobs into their endpoints' queues and tells workers which
 * endpoints have work. Small calls made in the same turn of the event loop
 * (concurrent ingest requests) are combined. All jobs go in one round trip (FlowProducer
 * with childless flows; a single job through its endpoint's Queue, which costs
 * less than half the CPU of a one-job flow); the signal (active set, queue
 * meta, pub/sub nudge) in a second, for the endpoints not signalled in the
 * last SIGNAL_REPEAT_MS.
 */
export class DeliveryEnqueuer {
  private readonly flows: FlowProducer;
  private readonly redis: Redis;
  private readonly prefix: string;
  /** When each endpoint was last signalled (performance.now()). */
  private readonly signalledAt = new Map<string, number>();
  /** Queues of recently used endpoints, least recently used first. */
  private readonly queues = new Map<string, Queue>();
  /** Combines the small enqueues of one turn of the event loop (concurrent requests) into one round trip. */
  private readonly batcher = new MicroBatcher<readonly DeliveryJobSpec[], void>(async (calls) => {
    await this.enqueueNow(calls.flat());
    return calls.map(() => undefined);
  });

  constructor({ redis, prefix }: DeliveryEnqueuerOptions) {
    this.redis = redis;
    this.prefix = prefix;
    this.flows = new FlowProducer({ connection: redis, prefix });
    this.flows.on('error', () => undefined); // connection errors are logged by the connection's owner (createRedis)
  }

  /** Enqueues the deliveries; resolves once Redis has them, rejects when it does not answer within ENQUEUE_TIMEOUT_MS. */
  async enqueue(specs: readonly DeliveryJobSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const added = specs.length >= OWN_ROUND_TRIP_JOBS ? this.enqueueNow(specs) : this.batcher.add(specs);
    await withTimeout(added, ENQUEUE_TIMEOUT_MS, 'enqueue');
  }

  private async enqueueNow(specs: readonly DeliveryJobSpec[]): Promise<void> {
    if (specs.length === 1) {
      const spec = specs[0]!;
      await this.queueOf(spec.endpointId).add(DELIVER_JOB, deliverJobData(spec), deliverJobOptions(spec));
    } else {
      await this.flows.addBulk(
        specs.map((spec) => ({
          name: DELIVER_JOB,
          queueName: endpointQueueName(spec.endpointId),
          prefix: this.prefix,
          data: deliverJobData(spec),
          opts: deliverJobOptions(spec),
        })),
      );
    }
    const now = performance.now();
    const due = [...new Set(specs.map((s) => s.endpointId))].filter((id) => !(now - (this.signalledAt.get(id) ?? -Infinity) < SIGNAL_REPEAT_MS));
    if (due.length === 0) return;
    await this.signal(due);
    if (this.signalledAt.size + due.length > MAX_REMEMBERED) this.signalledAt.clear();
    for (const id of due) this.signalledAt.set(id, now);
  }

  /** Marks endpoints as having work and nudges the workers (always: no skipping here). */
  async signal(endpointIds: readonly string[]): Promise<void> {
    if (endpointIds.length === 0) return;
    const keys = queueKeys(this.prefix);
    const pipeline = this.redis.pipeline().sadd(keys.activeEndpoints, ...endpointIds);
    for (const id of endpointIds) {
      pipeline.hset(queueMetaKey(this.prefix, endpointQueueName(id)), 'opts.maxLenEvents', EVENTS_MAX_LEN);
    }
    pipeline.publish(keys.workChannel, endpointIds.join(','));
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** The endpoint's Queue (kept for the next job: making one costs a few Redis commands). */
  private queueOf(endpointId: string): Queue {
    let queue = this.queues.get(endpointId);
    if (queue) {
      this.queues.delete(endpointId); // re-inserted below: most recently used last
    } else {
      queue = openEndpointQueue(this.redis, this.prefix, endpointId);
      if (this.queues.size >= MAX_QUEUES) {
        const [oldestId, oldest] = this.queues.entries().next().value!;
        this.queues.delete(oldestId);
        void oldest.close();
      }
    }
    this.queues.set(endpointId, queue);
    return queue;
  }

  /** Closes the FlowProducer and Queues (the Redis connection belongs to the caller). */
  async close(): Promise<void> {
    await Promise.all([this.flows.close(), ...[...this.queues.values()].map((q) => q.close())]);
    this.queues.clear();
  }
}
