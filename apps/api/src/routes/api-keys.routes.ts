import { z } from 'zod';
import { AppError, generateApiKey, newId } from '@herald/core';
import { createApiKey, listApiKeys, revokeApiKey } from '@herald/db';
import { decodeCursor, idCursorKey, principalOf, type RouteTable, toPage } from '@herald/http';
import {
  API_KEY_WARNING,
  ApiKeyCreatedOutSchema,
  ApiKeyInSchema,
  ApiKeyOutSchema,
  ApiKeyRevokedOutSchema,
  ListQuerySchema,
  pageSchema,
  type ApiKeyCreatedOut,
  type ApiKeyRevokedOut,
} from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { apiKeyOut } from '../mappers.js';

export const ApiKeyParams = z.object({ id: z.string() });

/**
 * A tenant's API keys. Every route needs `admin`, listing too: the list is a
 * map of the tenant's credentials (who has which scope, which are unused),
 * which a `read` key handed to a dashboard has no need to see.
 */
export function apiKeyRoutes(routes: RouteTable, { db, secretBox }: ApiDeps): void {
  routes.add(
    {
      method: 'post',
      path: '/api/v1/api-keys',
      summary: 'Create an API key; the key is shown only in this answer',
      tag: 'API keys',
      auth: 'admin',
      body: ApiKeyInSchema,
      responses: { 201: { description: 'The key, with the key itself (only here).', schema: ApiKeyCreatedOutSchema } },
    },
    async ({ body }, _req, res) => {
      const { key, prefix } = generateApiKey(body.scope);
      const created = await createApiKey(db, principalOf(res).tenantId, {
        id: newId('key'),
        name: body.name,
        scope: body.scope,
        keyPrefix: prefix,
        keyDigest: secretBox.digestApiKey(key),
      });
      const answer: ApiKeyCreatedOut = { ...apiKeyOut(created), key, _warning: API_KEY_WARNING };
      res.status(201).json(answer);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/api-keys',
      summary: 'List API keys (prefixes only), newest first, revoked ones included',
      tag: 'API keys',
      auth: 'admin',
      query: ListQuerySchema,
      responses: { 200: { description: 'A page of keys.', schema: pageSchema(ApiKeyOutSchema) } },
    },
    async ({ query }, _req, res) => {
      const rows = await listApiKeys(db, principalOf(res).tenantId, query.limit, decodeCursor(query.cursor, idCursorKey('key')));
      res.json(toPage(rows, query.limit, (k) => k.id, apiKeyOut));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/v1/api-keys/{id}',
      summary: 'Revoke an API key at once (a key may revoke itself, but not the last admin key)',
      tag: 'API keys',
      auth: 'admin',
      params: ApiKeyParams,
      responses: {
        200: { description: 'Revoked (again, if it already was).', schema: ApiKeyRevokedOutSchema },
        409: { description: "The tenant's last active admin key: revoking it would lock the tenant out." },
      },
    },
    async ({ params }, _req, res) => {
      const result = await revokeApiKey(db, principalOf(res).tenantId, params.id);
      if (result.outcome === 'not_found') throw AppError.notFound(`API key '${params.id}'`);
      if (result.outcome === 'last_admin_key') {
        throw new AppError(
          'conflict',
          `API key '${params.id}' is the tenant's last active admin key; create another admin key before revoking it.`,
        );
      }
      const answer: ApiKeyRevokedOut = { id: result.key.id, revoked: true };
      res.json(answer);
    },
  );
}
