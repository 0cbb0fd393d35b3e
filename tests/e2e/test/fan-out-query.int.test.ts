import { createPrismaClient, createSqlPool, findIngestTargets, type PrismaClient, type Sql } from '@herald/db';
import { matchesChannels, matchesEventType } from '@herald/schemas';
import { createTestDatabase, type TestDatabase } from '@herald/testing';

describe('findIngestTargets', () => {
  let database: TestDatabase;
  let db: PrismaClient;
  let sql: Sql;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createPrismaClient({ databaseUrl: database.url });
    sql = createSqlPool({ databaseUrl: database.url });
    await db.tenant.create({
      data: {
        id: 'tnt_a',
        name: 'A',
        eventTypes: { create: [{ name: 'a.b.c', schema: { type: 'object' } }, { name: 'ab.c' }, { name: 'axb.c' }] },
      },
    });
    await db.tenant.create({ data: { id: 'tnt_b', name: 'B', eventTypes: { create: [{ name: 'a.b.c' }] } } });
    const endpoint = (id: string, tenantId: string, events: string[], extra: object = {}) =>
      db.endpoint.create({ data: { id, tenantId, url: 'https://x.example', events, secretCiphertext: 'c', secretPrefix: 'p', maxAttempts: 3, schemaVersion: '2025-01-01', ...extra } });
    await endpoint('ep_all', 'tnt_a', ['*']);
    await endpoint('ep_a', 'tnt_a', ['a.*']);
    await endpoint('ep_ab', 'tnt_a', ['a.b.*']);
    await endpoint('ep_exact', 'tnt_a', ['zzz', 'a.b.c']);
    await endpoint('ep_other_family', 'tnt_a', ['ab.*']);
    await endpoint('ep_underscore', 'tnt_a', ['a_b.*']);
    await endpoint('ep_ch_eu', 'tnt_a', ['a.*'], { channels: ['eu'] });
    await endpoint('ep_ch_both', 'tnt_a', ['*'], { channels: ['us', 'eu'] });
    await endpoint('ep_disabled', 'tnt_a', ['*'], { enabled: false });
    await endpoint('ep_deleted', 'tnt_a', ['*'], { deletedAt: new Date() });
    await endpoint('ep_tenant_b', 'tnt_b', ['*']);
  });
  afterAll(async () => {
    await sql.end();
    await db.$disconnect();
    await database.drop();
  });

  it('finds the enabled, live endpoints of the tenant by name, family and *', async () => {
    const { targets } = await findIngestTargets(sql, 'tnt_a', ['a.b.c', 'ab.c', 'axb.c', 'unknown.type']);
    expect([...targets.keys()].sort()).toEqual(['a.b.c', 'ab.c', 'axb.c']);
    expect(targets.get('a.b.c')!.schema).toEqual({ type: 'object' });
    expect(targets.get('a.b.c')!.endpoints.map((e) => e.id).sort()).toEqual(['ep_a', 'ep_ab', 'ep_all', 'ep_ch_both', 'ep_ch_eu', 'ep_exact']);
    expect(targets.get('a.b.c')!.endpoints[0]!.maxAttempts).toBe(3);
    expect(targets.get('ab.c')!.endpoints.map((e) => e.id).sort()).toEqual(['ep_all', 'ep_ch_both', 'ep_other_family']);
    // `_` is not a wildcard: 'a_b.*' selects nothing here.
    expect(targets.get('axb.c')!.endpoints.map((e) => e.id).sort()).toEqual(['ep_all', 'ep_ch_both']);
    expect((await findIngestTargets(sql, 'tnt_b', ['a.b.c'])).targets.get('a.b.c')!.endpoints.map((e) => e.id)).toEqual(['ep_tenant_b']);
  });

  it('selects exactly the endpoints matchesEventType and matchesChannels select (one rule for SQL, the cache and code)', async () => {
    const endpoints: Record<string, { events: string[]; channels: string[] }> = {
      ep_all: { events: ['*'], channels: [] },
      ep_a: { events: ['a.*'], channels: [] },
      ep_ab: { events: ['a.b.*'], channels: [] },
      ep_exact: { events: ['zzz', 'a.b.c'], channels: [] },
      ep_other_family: { events: ['ab.*'], channels: [] },
      ep_underscore: { events: ['a_b.*'], channels: [] },
      ep_ch_eu: { events: ['a.*'], channels: ['eu'] },
      ep_ch_both: { events: ['*'], channels: ['us', 'eu'] },
    };
    const { targets } = await findIngestTargets(sql, 'tnt_a', ['a.b.c', 'ab.c', 'axb.c']);
    for (const eventChannels of [[], ['eu'], ['us'], ['pos', 'us'], ['pos']]) {
      for (const [type, target] of targets) {
        // What ingest does with the cached targets of a type, per event.
        const fannedOut = target.endpoints.filter((e) => matchesChannels(e.channels, eventChannels)).map((e) => e.id);
        const expected = Object.keys(endpoints).filter(
          (id) => matchesEventType(endpoints[id]!.events, type) && matchesChannels(endpoints[id]!.channels, eventChannels),
        );
        expect(fannedOut.sort()).toEqual(expected.sort());
      }
    }
  });

  it("reads the tenant's config_version with the targets, null for a tenant that does not exist", async () => {
    expect((await findIngestTargets(sql, 'tnt_a', [])).version).toMatch(/^\d+$/);
    expect(await findIngestTargets(sql, 'tnt_nope', ['a.b.c'])).toEqual({ version: null, targets: new Map() });
  });

  it('moves config_version on every change ingest caches, and on nothing else', async () => {
    const version = async () => (await findIngestTargets(sql, 'tnt_b', [])).version;
    const moves = async (change: () => Promise<unknown>) => {
      const before = await version();
      await change();
      return (await version()) !== before;
    };
    await db.apiKey.create({ data: { id: 'key_b', tenantId: 'tnt_b', name: 'k', scope: 'ingest', keyPrefix: 'p', keyDigest: 'd_b' } });
    expect(await moves(() => db.apiKey.update({ where: { id: 'key_b' }, data: { revokedAt: new Date() } }))).toBe(true);
    expect(await moves(() => db.apiKey.update({ where: { id: 'key_b' }, data: { lastUsedAt: new Date() } }))).toBe(false);
    expect(await moves(() => db.eventType.create({ data: { tenantId: 'tnt_b', name: 'x.y' } }))).toBe(true);
    expect(await moves(() => db.eventType.update({ where: { tenantId_name: { tenantId: 'tnt_b', name: 'x.y' } }, data: { schema: { type: 'object' } } }))).toBe(true);
    expect(await moves(() => db.eventType.update({ where: { tenantId_name: { tenantId: 'tnt_b', name: 'x.y' } }, data: { description: 'd' } }))).toBe(false);
    expect(await moves(() => db.eventType.delete({ where: { tenantId_name: { tenantId: 'tnt_b', name: 'x.y' } } }))).toBe(true);
    const ep = { where: { id: 'ep_tenant_b' } };
    expect(await moves(() => db.endpoint.update({ ...ep, data: { events: ['a.*'] } }))).toBe(true);
    expect(await moves(() => db.endpoint.update({ ...ep, data: { enabled: false } }))).toBe(true);
    expect(await moves(() => db.endpoint.update({ ...ep, data: { maxAttempts: 5 } }))).toBe(true);
    expect(await moves(() => db.endpoint.update({ ...ep, data: { channels: ['eu'] } }))).toBe(true);
    expect(await moves(() => db.endpoint.update({ ...ep, data: { deletedAt: new Date() } }))).toBe(true);
    // What the worker writes after each attempt, and settings ingest does not use, leave it alone.
    expect(await moves(() => db.endpoint.update({ ...ep, data: { lastDeliveryAt: new Date(), lastDeliveryStatus: 'succeeded', firstFailureAt: null } }))).toBe(false);
    expect(await moves(() => db.endpoint.update({ ...ep, data: { url: 'https://y.example', timeoutMs: 2000 } }))).toBe(false);
    // Another tenant's changes do not move it.
    expect(await moves(() => db.endpoint.update({ where: { id: 'ep_a' }, data: { enabled: false } }))).toBe(false);
  });
});
