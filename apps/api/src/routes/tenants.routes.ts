import { AppError, generateApiKey, newId } from '@herald/core';
import { createTenant, listTenants, updateTenant } from '@herald/db';
import { decodeCursor, idCursorKey, type RouteTable, toPage } from '@herald/http';
import {
  KEY_SCOPES,
  ListQuerySchema,
  OPERATIONAL_EVENT_TYPES,
  pageSchema,
  TEST_EVENT_TYPE,
  TenantCreatedOutSchema,
  TenantInSchema,
  TenantOutSchema,
  TenantParamsSchema,
  TenantPatchSchema,
  type TenantCreatedOut,
} from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { tenantOut } from '../mappers.js';
import { assertEmailConfigured, checkedAddress } from '../notifications/email-settings.js';

/** The event types every tenant is created with: webhook.test, and Herald's own herald.* (herald.endpoint.disabled emailed by default). */
export const BUILT_IN_EVENT_TYPES = [
  { name: TEST_EVENT_TYPE, description: 'Sent by the endpoint test route.' },
  ...OPERATIONAL_EVENT_TYPES.map(({ name, description, emailEnabled }) => ({ name, description, emailEnabled })),
];

/** A primary contact as given: null, or a checked address on a Herald that can send email (422 otherwise). */
export function primaryContact(config: ApiDeps['config'], value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  assertEmailConfigured(config, 'primary_contact_email');
  return checkedAddress(value, 'primary_contact_email');
}

/** Tenants: managed with the root token only. */
export function tenantRoutes(routes: RouteTable, { db, secretBox, config }: ApiDeps): void {
  routes.add(
    {
      method: 'post',
      path: '/api/v1/tenants',
      summary: 'Create a tenant with one key per scope (shown only here)',
      tag: 'Tenants',
      auth: 'root',
      body: TenantInSchema,
      responses: { 201: { description: 'The tenant and its keys.', schema: TenantCreatedOutSchema } },
    },
    async ({ body }, _req, res) => {
      const primaryContactEmail = primaryContact(config, body.primary_contact_email) ?? null;
      const keys = KEY_SCOPES.map((scope) => ({ scope, ...generateApiKey(scope) }));
      const tenant = await createTenant(
        db,
        { id: newId('tnt'), name: body.name, externalId: body.external_id, primaryContactEmail },
        keys.map(({ scope, prefix, key }) => ({
          id: newId('key'),
          name: `default ${scope} key`,
          scope,
          keyPrefix: prefix,
          keyDigest: secretBox.digestApiKey(key),
        })),
        BUILT_IN_EVENT_TYPES,
      );
      const answer: TenantCreatedOut = {
        ...tenantOut(tenant),
        api_keys: Object.fromEntries(keys.map(({ scope, key }) => [scope, key])) as TenantCreatedOut['api_keys'],
      };
      res.status(201).json(answer);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/tenants',
      summary: 'List tenants, newest first',
      tag: 'Tenants',
      auth: 'root',
      query: ListQuerySchema,
      responses: { 200: { description: 'A page of tenants.', schema: pageSchema(TenantOutSchema) } },
    },
    async ({ query }, _req, res) => {
      const rows = await listTenants(db, query.limit, decodeCursor(query.cursor, idCursorKey('tnt')));
      res.json(toPage(rows, query.limit, (t) => t.id, tenantOut));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/v1/tenants/{id}',
      summary: 'Rename a tenant, set its external_id or its primary_contact_email (null removes either)',
      tag: 'Tenants',
      auth: 'root',
      params: TenantParamsSchema,
      body: TenantPatchSchema,
      responses: { 200: { description: 'The tenant as changed.', schema: TenantOutSchema } },
    },
    async ({ params, body }, _req, res) => {
      const primaryContactEmail = primaryContact(config, body.primary_contact_email);
      const tenant = await updateTenant(db, params.id, { name: body.name, externalId: body.external_id, primaryContactEmail });
      if (!tenant) throw AppError.notFound(`Tenant '${params.id}'`);
      res.json(tenantOut(tenant));
    },
  );
}
