import { Router } from 'express';
import { AppError, newId, type ErrorDetail } from '@herald/core';
import { createEndpoint, decodeCursor, findEndpoint, findEventTypes, listEndpoints, toPage, type PrismaClient } from '@herald/db';
import { principalOf, requireScope } from '@herald/http';
import { checkEndpointUrl } from '@herald/outbound';
import {
  EndpointInSchema,
  EndpointListQuerySchema,
  ListQuerySchema,
  SECRET_WARNING,
  type EndpointCreatedOut,
} from '@herald/schemas';
import { generateSecret, secretPrefix } from '@herald/signing';
import type { ApiDeps } from '../deps.js';
import { endpointOut } from '../mappers.js';

/** 422 naming each subscribed event type that the tenant has not registered. */
async function assertEventTypesExist(db: PrismaClient, tenantId: string, filters: string[]): Promise<void> {
  const exact = filters.filter((f) => f !== '*' && !f.endsWith('.*'));
  if (exact.length === 0) return;
  const known = new Set((await findEventTypes(db, tenantId, exact)).map((t) => t.name));
  const details: ErrorDetail[] = filters.flatMap((f, i) =>
    exact.includes(f) && !known.has(f) ? [{ path: `events.${i}`, message: `unknown event type '${f}'` }] : [],
  );
  if (details.length > 0) throw AppError.unprocessable('The endpoint subscribes to unknown event types.', details);
}

/** Endpoints (subscriptions) of a tenant. */
export function endpointsRouter({ db, secretBox, config, authenticate }: ApiDeps): Router {
  const router = Router();
  router.use('/api/v1/endpoints', authenticate);
  const urlPolicy = { allowHttp: config.HERALD_ALLOW_HTTP, allowlist: config.HERALD_OUTBOUND_ALLOWLIST };

  router.post('/api/v1/endpoints', requireScope('admin'), async (req, res) => {
    const input = EndpointInSchema.parse(req.body);
    const { tenantId } = principalOf(res);
    const urlProblem = await checkEndpointUrl(input.url, urlPolicy);
    if (urlProblem) throw AppError.unprocessable('The endpoint URL is not allowed.', [{ path: 'url', message: urlProblem }]);
    await assertEventTypesExist(db, tenantId, input.events);
    const secret = generateSecret();
    const endpoint = await createEndpoint(db, tenantId, {
      id: newId('ep'),
      url: input.url,
      name: input.name,
      description: input.description,
      events: input.events,
      enabled: input.enabled,
      timeoutMs: input.timeout_ms,
      maxAttempts: input.max_attempts,
      rateLimitPerSecond: input.rate_limit_per_second,
      headers: input.headers,
      metadata: input.metadata,
      secretCiphertext: secretBox.encrypt(secret),
      secretPrefix: secretPrefix(secret),
    });
    const body: EndpointCreatedOut = { ...endpointOut(endpoint), signing_secret: secret, _warning: SECRET_WARNING };
    res.status(201).json(body);
  });

  router.get('/api/v1/endpoints', requireScope('read'), async (req, res) => {
    const query = ListQuerySchema.parse(req.query);
    const filter = EndpointListQuerySchema.parse(req.query);
    const rows = await listEndpoints(
      db,
      principalOf(res).tenantId,
      { enabled: filter.enabled, eventType: filter.event_type },
      query.limit,
      decodeCursor(query.cursor),
    );
    res.json(toPage(rows, query.limit, (e) => e.id, endpointOut));
  });

  router.get('/api/v1/endpoints/:id', requireScope('read'), async (req, res) => {
    const id = String(req.params.id);
    const endpoint = await findEndpoint(db, principalOf(res).tenantId, id);
    if (!endpoint) throw AppError.notFound(`Endpoint '${id}'`);
    res.json(endpointOut(endpoint));
  });

  return router;
}
