import { newId } from '@herald/core';
import { deliverJobOptions } from './delivery-jobs.js';
import { endpointIdOfQueue, endpointQueueName, queueKeys, queueMetaKey } from './names.js';

describe('queue names', () => {
  it('round-trips an endpoint id through its queue name', () => {
    for (let i = 0; i < 50; i++) {
      const id = newId('ep');
      expect(endpointIdOfQueue(endpointQueueName(id))).toBe(id);
    }
  });

  it("names a tenant's email queue by the tenant id, in a hash tag, and reads it back", () => {
    const id = newId('tnt');
    expect(endpointQueueName(id)).toBe(`email.{${id}}`);
    expect(endpointIdOfQueue(endpointQueueName(id))).toBe(id);
    expect(endpointIdOfQueue('email.{ep_01JH}')).toBeNull();
  });

  it('puts the endpoint id in a Redis Cluster hash tag', () => {
    expect(endpointQueueName('ep_01JH0000000000000000000000')).toBe('ep.{ep_01JH0000000000000000000000}');
  });

  it.each(['ep_01JH0000000000000000000000', 'ep.ep_01JH', 'ep.{evt_01JH}', 'ep.{ep_01jh}', 'x.ep.{ep_01JH}', 'ep.{ep_01JH}.x', ''])(
    'is null for %j, which is not an endpoint queue',
    (name) => {
      expect(endpointIdOfQueue(name)).toBeNull();
    },
  );

  it('keeps every key under the prefix', () => {
    const keys = queueKeys('herald');
    expect(keys).toMatchObject({ bullPrefix: 'herald', ready: 'herald:{sched}:ready', timers: 'herald:{sched}:timers', slotCounts: 'herald:{sched}:slots', workers: 'herald:workers' });
    for (const key of Object.values(keys)) expect(key === 'herald' || key.startsWith('herald:')).toBe(true);
    expect(queueMetaKey('herald', endpointQueueName('ep_1'))).toBe('herald:ep.{ep_1}:meta');
  });
});

describe('deliverJobOptions', () => {
  it('uses the delivery id as job id, carries max_attempts, and removes finished jobs', () => {
    expect(deliverJobOptions({ deliveryId: 'dlv_1', tenantId: 'tnt_1', endpointId: 'ep_1', maxAttempts: 7 })).toEqual({
      jobId: 'dlv_1',
      attempts: 7,
      delay: undefined,
      removeOnComplete: true,
      removeOnFail: true,
    });
  });

  it('delays only by a positive whole number of ms', () => {
    const spec = { deliveryId: 'dlv_1', tenantId: 'tnt_1', endpointId: 'ep_1', maxAttempts: 1 };
    expect(deliverJobOptions({ ...spec, delayMs: 1500.6 }).delay).toBe(1501);
    expect(deliverJobOptions({ ...spec, delayMs: 0 }).delay).toBeUndefined();
    expect(deliverJobOptions({ ...spec, delayMs: -5 }).delay).toBeUndefined();
  });
});
