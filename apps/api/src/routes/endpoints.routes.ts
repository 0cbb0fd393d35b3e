import { z } from 'zod';
import { AppError, newId, type ErrorDetail } from '@herald/core';
import { createEndpoint, decodeCursor, findEndpoint, findEventTypes, listEndpoints, toPage, type PrismaClient } from '@herald/db';
import { principalOf, type RouteTable } from '@herald/http';
import { checkEndpointUrl } from '@herald/outbound';
import {
  EndpointCreatedOutSchema,
  EndpointInSchema,
  EndpointListQuerySchema,
  EndpointOutSchema,
  ListQuerySchema,
  pageSchema,
  SECRET_WARNING,
  type EndpointCreatedOut,
} from '@herald/schemas';
import { generateSecret, secretPrefix } from '@herald/signing';
import type { ApiDeps } from '../deps.js';
import { endpointOut } from '../mappers.js';

export const EndpointParams = z.object({ id: z.string() });

/** 422 naming each subscribed event type that the tenant has not registered. */
export async function assertEventTypesExist(db: PrismaClient, tenantId: string, filters: string[]): Promise<void> {
  const exact = filters.filter((f) => f !== '*' && !f.endsWith('.*'));
  if (exact.length === 0) return;
  const known = new Set((await findEventTypes(db, tenantId, exact)).map((t) => t.name));
  const details: ErrorDetail[] = filters.flatMap((f, i) =>
    exact.includes(f) && !known.has(f) ? [{ path: `events.${i}`, message: `unknown event type '${f}'` }] : [],
  );
  if (details.length > 0) throw AppError.unprocessable('The endpoint subscribes to unknown event types.', details);
}

/** 422 unless the URL may be delivered to (scheme, and SSRF rules on what its host resolves to). */
export async function assertUrlAllowed(url: string, { config }: ApiDeps): Promise<void> {
  const problem = await checkEndpointUrl(url, { allowHttp: config.HERALD_ALLOW_HTTP, allowlist: config.HERALD_OUTBOUND_ALLOWLIST });
  if (problem) throw AppError.unprocessable('The endpoint URL is not allowed.', [{ path: 'url', message: problem }]);
}

/** Endpoints (subscriptions) of a tenant: create, list, get. */
export function endpointRoutes(routes: RouteTable, deps: ApiDeps): void {
  const { db, secretBox } = deps;

  routes.add(
    {
      method: 'post',
      path: '/api/v1/endpoints',
      summary: 'Create an endpoint; its signing secret is shown only in this answer',
      tag: 'Endpoints',
      auth: 'admin',
      body: EndpointInSchema,
      responses: { 201: { description: 'The endpoint with its signing secret.', schema: EndpointCreatedOutSchema } },
    },
    async ({ body }, _req, res) => {
      const { tenantId } = principalOf(res);
      await assertUrlAllowed(body.url, deps);
      await assertEventTypesExist(db, tenantId, body.events);
      const secret = generateSecret();
      const endpoint = await createEndpoint(db, tenantId, {
        id: newId('ep'),
        url: body.url,
        name: body.name,
        description: body.description,
        events: body.events,
        enabled: body.enabled,
        timeoutMs: body.timeout_ms,
        maxAttempts: body.max_attempts,
        rateLimitPerSecond: body.rate_limit_per_second,
        headers: body.headers,
        metadata: body.metadata,
        secretCiphertext: secretBox.encrypt(secret),
        secretPrefix: secretPrefix(secret),
      });
      const answer: EndpointCreatedOut = { ...endpointOut(endpoint), signing_secret: secret, _warning: SECRET_WARNING };
      res.status(201).json(answer);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/endpoints',
      summary: 'List endpoints, newest first, optionally by enabled and event type',
      tag: 'Endpoints',
      auth: 'read',
      query: ListQuerySchema.extend(EndpointListQuerySchema.shape),
      responses: { 200: { description: 'A page of endpoints.', schema: pageSchema(EndpointOutSchema) } },
    },
    async ({ query }, _req, res) => {
      const rows = await listEndpoints(
        db,
        principalOf(res).tenantId,
        { enabled: query.enabled, eventType: query.event_type },
        query.limit,
        decodeCursor(query.cursor),
      );
      res.json(toPage(rows, query.limit, (e) => e.id, endpointOut));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/endpoints/{id}',
      summary: 'Get an endpoint',
      tag: 'Endpoints',
      auth: 'read',
      params: EndpointParams,
      responses: { 200: { description: 'The endpoint.', schema: EndpointOutSchema } },
    },
    async ({ params }, _req, res) => {
      const endpoint = await findEndpoint(db, principalOf(res).tenantId, params.id);
      if (!endpoint) throw AppError.notFound(`Endpoint '${params.id}'`);
      res.json(endpointOut(endpoint));
    },
  );
}
