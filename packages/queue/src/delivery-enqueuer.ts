import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliverJob } from '@herald/schemas';
import { DELIVER_JOB, deliverJobOptions, EVENTS_MAX_LEN, type DeliveryJobSpec } from './delivery-jobs.js';
import { endpointQueueName, queueKeys, queueMetaKey } from './names.js';

export interface DeliveryEnqueuerOptions {
  redis: Redis;
  prefix: string;
}

/**
 * Puts delivery jobs into their endpoints' queues and tells workers which
 * endpoints have work. All jobs of a call go in one round trip (FlowProducer
 * with childless flows); the signal (active set, queue meta, pub/sub nudge)
 * in a second.
 */
export class DeliveryEnqueuer {
  private readonly flows: FlowProducer;
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor({ redis, prefix }: DeliveryEnqueuerOptions) {
    this.redis = redis;
    this.prefix = prefix;
    this.flows = new FlowProducer({ connection: redis, prefix });
  }

  /** Enqueues the deliveries; resolves once Redis has them. */
  async enqueue(specs: readonly DeliveryJobSpec[]): Promise<void> {
    if (specs.length === 0) return;
    await this.flows.addBulk(
      specs.map((spec) => ({
        name: DELIVER_JOB,
        queueName: endpointQueueName(spec.endpointId),
        prefix: this.prefix,
        data: { deliveryId: spec.deliveryId, tenantId: spec.tenantId } satisfies DeliverJob,
        opts: deliverJobOptions(spec),
      })),
    );
    await this.signal([...new Set(specs.map((s) => s.endpointId))]);
  }

  /** Marks endpoints as having work and nudges the workers. */
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

  /** Closes the FlowProducer (the Redis connection belongs to the caller). */
  async close(): Promise<void> {
    await this.flows.close();
  }
}
