import { Router } from 'express';
import { generateApiKey, newId, type KeyScope } from '@herald/core';
import { createTenant, decodeCursor, listTenants, toPage } from '@herald/db';
import { requireRootToken } from '@herald/http';
import { ListQuerySchema, TEST_EVENT_TYPE, TenantInSchema, type TenantCreatedOut } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { tenantOut } from '../mappers.js';

const SCOPES: KeyScope[] = ['admin', 'read', 'ingest'];

/** Tenants: managed with the root token only. */
export function tenantsRouter({ db, secretBox, config }: ApiDeps): Router {
  const router = Router();
  router.use('/api/v1/tenants', requireRootToken(config.HERALD_ROOT_TOKEN));

  router.post('/api/v1/tenants', async (req, res) => {
    const input = TenantInSchema.parse(req.body);
    const keys = SCOPES.map((scope) => ({ scope, ...generateApiKey(scope) }));
    const tenant = await createTenant(
      db,
      { id: newId('tnt'), name: input.name },
      keys.map(({ scope, key, prefix }) => ({
        id: newId('key'),
        name: `default ${scope} key`,
        scope,
        keyPrefix: prefix,
        keyDigest: secretBox.digestApiKey(key),
      })),
      [{ name: TEST_EVENT_TYPE, description: 'Sent by the endpoint test route.' }],
    );
    const body: TenantCreatedOut = {
      ...tenantOut(tenant),
      api_keys: Object.fromEntries(keys.map(({ scope, key }) => [scope, key])) as TenantCreatedOut['api_keys'],
    };
    res.status(201).json(body);
  });

  router.get('/api/v1/tenants', async (req, res) => {
    const query = ListQuerySchema.parse(req.query);
    const rows = await listTenants(db, query.limit, decodeCursor(query.cursor));
    res.json(toPage(rows, query.limit, (t) => t.id, tenantOut));
  });

  return router;
}
