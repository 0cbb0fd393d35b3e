import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { eventually } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** Every key under the prefix with its whole content, to tell whether anything changed. */
async function snapshot(redis: Redis, prefix: string): Promise<string> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const entries = await Promise.all(
    keys.sort().map(async (key) => {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? await redis.hgetall(key)
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'set' ? (await redis.smembers(key)).sort()
        : type === 'zset' ? await redis.zrange(key, 0, -1, 'WITHSCORES')
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : type;
      return [key, type, value];
    }),
  );
  return JSON.stringify(entries);
}

/**
 * The root token manages tenants. On the queue dashboard it may see counts,
 * states, ids, timings and errors, but no tenant's payloads, and it cannot
 * make a job: the worker would deliver it signed with the tenant's secret.
 */
describe('the queue dashboard is read-only and shows no job data', () => {
  let stack: Stack;
  let redis: Redis;
  let queue: string;
  let deliveryId: string;
  const marker = `PAYLOAD-${randomBytes(8).toString('hex')}`;
  const board = (method: string, path: string, body?: unknown) =>
    call(stack.api.url, method, `/admin/queues${path}`, { token: stack.rootToken, body });

  beforeAll(async () => {
    // No worker: the delivery job waits in its queue, carrying the event (payload included).
    stack = await startStack({}, { worker: false });
    redis = new Redis(stack.env.REDIS_URL!);
    const tenant = await createTenant(stack, 'Watched');
    expect((await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'card.charged' } })).status).toBe(201);
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: 'http://127.0.0.1:9/hook', events: ['card.charged'] },
    });
    expect(endpoint.status).toBe(201);
    const ingested = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'card.charged', payload: { card_holder: marker, note: `${marker} again` } },
    });
    expect(ingested.status).toBe(202);
    queue = encodeURIComponent(`ep.{${endpoint.body.id}}`);
    const outbox = await call(stack.api.url, 'GET', '/api/v1/outbox', { token: tenant.read });
    deliveryId = outbox.body.data[0].id;
    // The job really carries the payload: that is what must not be shown.
    const keys = await redis.keys(`${stack.redis.prefix}:*${deliveryId}`);
    expect(await redis.hget(keys[0]!, 'data')).toContain(marker);
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  it('lists the queue and its waiting job by id, with no payload in any answer', async () => {
    const listed = await eventually(async () => {
      const res = await board('GET', `/api/queues?activeQueue=${queue}&status=latest&page=1&jobsPerPage=50`);
      const jobs = res.body.queues?.flatMap((q: { jobs: { id: string }[] }) => q.jobs) ?? [];
      return jobs.some((j: { id: string }) => j.id === deliveryId) ? res : null;
    });
    const job = listed.body.queues.flatMap((q: { jobs: unknown[] }) => q.jobs).find((j: { id: string }) => j.id === deliveryId);
    expect(job.data).toEqual({ deliveryId, tenantId: expect.stringMatching(/^tnt_/) });
    expect(listed.body.queues[0].readOnlyMode).toBe(true);

    const answers = [
      listed,
      await board('GET', `/api/queues?activeQueue=${queue}&status=waiting&page=1&jobsPerPage=50`),
      await board('GET', `/api/queues/${queue}/${deliveryId}`),
      await board('GET', `/api/queues/${queue}/${deliveryId}/flow`),
      await board('GET', `/api/queues/${queue}/metrics`),
    ];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(marker);
    }
    // Routes that could carry job data are not served at all.
    for (const path of [`/api/queues/${queue}/${deliveryId}/logs`, '/api/job-schedulers']) {
      const res = await board('GET', path);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 403, code: 'forbidden' });
    }
  });

  it('refuses every change with 403 in the error shape, and nothing changes in Redis', async () => {
    const before = await snapshot(redis, stack.redis.prefix);
    const changes: [string, string, unknown?][] = [
      ['POST', `/api/queues/${queue}/add`, { name: 'deliver', data: { deliveryId, tenantId: 'tnt_x' } }],
      ['PUT', `/api/queues/${queue}/${deliveryId}/retry`],
      ['PUT', `/api/queues/${queue}/${deliveryId}/promote`],
      ['PUT', `/api/queues/${queue}/${deliveryId}/clean`],
      ['PATCH', `/api/queues/${queue}/${deliveryId}/update-data`, { data: { deliveryId, event: { payload: '{}' } } }],
      ['PUT', `/api/queues/${queue}/retry/failed`],
      ['PUT', `/api/queues/${queue}/clean/waiting`],
      ['PUT', `/api/queues/${queue}/promote`],
      ['PUT', `/api/queues/${queue}/pause`],
      ['PUT', `/api/queues/${queue}/empty`],
      ['PUT', `/api/queues/${queue}/obliterate`, {}],
      ['PUT', '/api/queues/pause'],
      ['DELETE', `/api/queues/${queue}/${deliveryId}`],
    ];
    const failures: string[] = [];
    for (const [method, path, body] of changes) {
      const res = await board(method, path, body);
      if (res.status !== 403 || res.body?.error?.code !== 'forbidden' || typeof res.body.error.message !== 'string') {
        failures.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot(redis, stack.redis.prefix)).toBe(before);
    // Without the root token the answer is still 401 first.
    expect((await call(stack.api.url, 'POST', `/admin/queues/api/queues/${queue}/add`, { body: {} })).status).toBe(401);
  });
});
