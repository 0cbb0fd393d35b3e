import { detailPaths, expectError } from '../src/assertions.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** Headers no endpoint may set, whatever the prefix: Standard Webhooks', Herald's fixed ones, framing. */
const ALWAYS_RESERVED = [
  'webhook-id',
  'Webhook-Signature',
  'webhook-timestamp',
  'Content-Type',
  'User-Agent',
  'Host',
  'Content-Length',
  'Transfer-Encoding',
  'Connection',
];

/**
 * An endpoint's own `headers` cannot replace the headers Herald sets (a
 * constant X-Herald-Delivery or webhook-id would defeat a receiver's
 * deduplication): refused with 422 naming each, on create and PATCH.
 */
describe.each([
  ['the default prefix', undefined, ['X-Herald-Delivery', 'x-herald-event', 'X-HERALD-Attempt', 'X-Herald-Anything'], ['X-Team', 'Acme-Hook-Delivery']],
  ['HERALD_HEADER_PREFIX=Acme-Hook', 'Acme-Hook', ['Acme-Hook-Delivery', 'acme-hook-event', 'ACME-HOOK-Schema-Version'], ['X-Team', 'X-Herald-Delivery']],
])('reserved endpoint headers with %s', (_what, prefix, heralds, allowed) => {
  let stack: Stack;
  let admin: string;
  let endpointId: string;
  const api = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: admin, body });

  beforeAll(async () => {
    stack = await startStack(prefix ? { HERALD_HEADER_PREFIX: prefix } : {}, { worker: false });
    admin = (await createTenant(stack, 'Headstrong')).admin;
    const created = await api('POST', '/api/v1/endpoints', { url: 'http://127.0.0.1:9/hook', events: ['*'], headers: { 'X-Team': 'crm' } });
    expect(created.status).toBe(201);
    endpointId = created.body.id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses each reserved name with 422 naming headers.<Name>, on create and on PATCH', async () => {
    const failures: string[] = [];
    for (const name of [...heralds, ...ALWAYS_RESERVED]) {
      const headers = { 'X-Fine': 'yes', [name]: 'pinned' };
      for (const [method, path] of [['POST', '/api/v1/endpoints'], ['PATCH', `/api/v1/endpoints/${endpointId}`]] as const) {
        const res = await api(method, path, { url: 'http://127.0.0.1:9/hook', events: ['*'], headers });
        if (res.status !== 422 || res.body.error?.code !== 'validation_failed' || detailPaths(res).join() !== `headers.${name}`) {
          failures.push(`${method} ${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Nothing was applied, and no endpoint was created.
    expect((await api('GET', `/api/v1/endpoints/${endpointId}`)).body.headers).toEqual({ 'X-Team': 'crm' });
    expect((await api('GET', '/api/v1/endpoints')).body.data).toHaveLength(1);
  });

  it('names every reserved header of one request', async () => {
    const res = await api('PATCH', `/api/v1/endpoints/${endpointId}`, { headers: { [heralds[0]!]: 'a', Host: 'b', 'X-Ok': 'c' } });
    expectError(res, 422, 'validation_failed');
    expect(detailPaths(res).sort()).toEqual([`headers.${heralds[0]}`, 'headers.Host'].sort());
  });

  it('accepts names that are not reserved under this prefix', async () => {
    const headers = Object.fromEntries(allowed.map((name) => [name, 'v']));
    const res = await api('PATCH', `/api/v1/endpoints/${endpointId}`, { headers });
    expect(res.status).toBe(200);
    expect(res.body.headers).toEqual(headers);
  });
});
