import { createLogger } from '@herald/core';
import type { Sql } from '@herald/db';
import { EndpointCache } from './endpoint-cache.js';

/** A stand-in for the pool whose answers the test releases one by one, to order reads against changes. */
function controlledSql() {
  const pending: { ids: string[]; answer: (url: string) => void }[] = [];
  const sql = {
    query: ({ values }: { values: [string[]] }) =>
      new Promise((resolve) => {
        const ids = values[0];
        pending.push({
          ids,
          answer: (url) =>
            resolve({ rows: ids.map((id) => ({ id, tenant_id: 'tnt_a', url, enabled: true, headers: {}, timeout_ms: 1000, secret_ciphertext: 'c', signature: { scheme: 'standard-webhooks' }, body_format: 'envelope', schema_version: '2025-01-01', tenant_name: 'A' })) }),
        });
      }),
  } as unknown as Sql;
  const next = async () => {
    for (let i = 0; i < 50 && pending.length === 0; i++) await new Promise((r) => setImmediate(r));
    return pending.shift()!;
  };
  return { sql, next };
}

describe('EndpointCache', () => {
  const logger = createLogger({ service: 'test', level: 'error' });

  it('reads again when the endpoint changed while it was being read', async () => {
    const { sql, next } = controlledSql();
    const cache = new EndpointCache({ sql, logger, refreshMs: 3_600_000 });
    const got = cache.get('tnt_a', 'ep_1');
    const first = await next();
    cache.forget('ep_1'); // the api announced a change while the first read was on its way
    first.answer('https://old.example');
    (await next()).answer('https://new.example');
    expect((await got)!.url).toBe('https://new.example');
    cache.close();
  });

  it('does not let a refresh that started before a change overwrite what was read after it', async () => {
    const { sql, next } = controlledSql();
    const cache = new EndpointCache({ sql, logger, refreshMs: 3_600_000 });
    const warm = cache.get('tnt_a', 'ep_1');
    (await next()).answer('https://v1.example');
    await warm;
    const refreshing = cache.refresh();
    const staleRead = await next(); // the refresh's read, from before the change
    cache.forget('ep_1');
    const fresh = cache.get('tnt_a', 'ep_1');
    (await next()).answer('https://v2.example');
    expect((await fresh)!.url).toBe('https://v2.example');
    staleRead.answer('https://v1.example');
    await refreshing;
    expect((await cache.get('tnt_a', 'ep_1'))!.url).toBe('https://v2.example');
    cache.close();
  });

  it("answers null for another tenant's endpoint", async () => {
    const { sql, next } = controlledSql();
    const cache = new EndpointCache({ sql, logger, refreshMs: 3_600_000 });
    const got = cache.get('tnt_other', 'ep_1');
    (await next()).answer('https://x.example');
    expect(await got).toBeNull();
    cache.close();
  });
});
