import { AppError } from '@herald/core';
import { findEventTypes, loadDeliveryEndpoints } from '@herald/db';
import { principalOf, type RouteTable } from '@herald/http';
import {
  BackfillInSchema,
  BackfillOutSchema,
  EndpointBulkInSchema,
  EndpointBulkOutSchema,
  EndpointParamsSchema,
  EndpointTestInSchema,
  EndpointTestOutSchema,
  RotateSecretInSchema,
  RotateSecretOutSchema,
  type EndpointBulkOut,
} from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { backfillEndpoint } from '../endpoints/backfill-endpoint.js';
import { bulkEndpointAction } from '../endpoints/bulk-endpoint-action.js';
import { rotateSecret } from '../endpoints/rotate-endpoint-secret.js';
import { sendTestWebhook } from '../endpoints/send-test-webhook.js';

/** What can be done to endpoints besides editing them: bulk actions, secret rotation, test sends. */
export function endpointActionRoutes(routes: RouteTable, deps: ApiDeps): void {
  const { sql, payloadSchemas } = deps;

  routes.add(
    {
      method: 'post',
      path: '/api/v1/endpoints/bulk',
      summary: 'Enable, disable or delete up to 100 endpoints by id, or every endpoint of a channel, each on its own',
      tag: 'Endpoints',
      auth: 'admin',
      body: EndpointBulkInSchema,
      responses: {
        200: {
          description:
            "One result per id, in input order (by channel: one per endpoint listing it, newest first); an id that is not this tenant's live endpoint fails alone with not_found.",
          schema: EndpointBulkOutSchema,
        },
      },
    },
    async ({ body }, _req, res) => {
      const answer: EndpointBulkOut = { results: await bulkEndpointAction(deps, principalOf(res).tenantId, body) };
      res.json(answer);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/endpoints/{id}/rotate-secret',
      summary: 'Give an endpoint a new signing secret; the old one also signs until previous_secret_expires_at',
      tag: 'Endpoints',
      auth: 'admin',
      params: EndpointParamsSchema,
      body: RotateSecretInSchema,
      responses: { 200: { description: 'The new secret, shown only here.', schema: RotateSecretOutSchema } },
    },
    async ({ params, body }, _req, res) => {
      const rotated = await rotateSecret(deps, principalOf(res).tenantId, params.id, body.overlap_seconds);
      if (!rotated) throw AppError.notFound(`Endpoint '${params.id}'`);
      res.json(rotated);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/endpoints/{id}/test',
      summary: 'Send one signed webhook now (not retried, also to a disabled endpoint) and record it like any attempt',
      tag: 'Endpoints',
      auth: 'admin',
      params: EndpointParamsSchema,
      body: EndpointTestInSchema,
      responses: {
        200: { description: 'What the endpoint answered; a failed send is still a 200 with delivered: false.', schema: EndpointTestOutSchema },
      },
    },
    async ({ params, body }, _req, res) => {
      const { tenantId } = principalOf(res);
      // The worker's read of an endpoint (unscoped), checked against the caller's tenant here.
      const endpoint = (await loadDeliveryEndpoints(sql, [params.id])).get(params.id);
      if (!endpoint || endpoint.tenantId !== tenantId || endpoint.deletedAt) throw AppError.notFound(`Endpoint '${params.id}'`);
      const [eventType] = await findEventTypes(sql, tenantId, [body.event_type]);
      if (!eventType) {
        throw AppError.unprocessable(`Unknown event type '${body.event_type}'.`, [
          { path: 'event_type', message: `unknown event type '${body.event_type}'` },
        ]);
      }
      // As at ingest: a receiver never gets a payload its event type's schema refuses.
      const violations = eventType.schema ? payloadSchemas.validate(eventType.schema as Record<string, unknown>, body.payload) : [];
      if (violations.length > 0) {
        throw AppError.unprocessable(
          `The payload does not match the schema of '${body.event_type}'.`,
          violations.map((v) => ({ path: v.path ? `payload.${v.path}` : 'payload', message: v.message })),
        );
      }
      res.json(await sendTestWebhook(deps, tenantId, endpoint, body.event_type, body.payload));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/endpoints/{id}/backfill',
      summary: "Deliver past events to an endpoint: those in [since, until) its filters and channels select now and it has no delivery for",
      tag: 'Endpoints',
      auth: 'admin',
      params: EndpointParamsSchema,
      body: BackfillInSchema,
      responses: {
        202: { description: 'How many deliveries were created and queued (dry run: would be, with the first events).', schema: BackfillOutSchema },
        409: { description: 'The endpoint is disabled.' },
      },
    },
    async ({ params, body }, _req, res) => {
      const result = await backfillEndpoint(deps, principalOf(res).tenantId, params.id, body);
      switch (result.outcome) {
        case 'not_found':
          throw AppError.notFound(`Endpoint '${params.id}'`);
        case 'endpoint_disabled':
          throw new AppError('conflict', 'The endpoint is disabled; enable it before backfilling.');
        case 'done':
          res.status(body.dry_run ? 200 : 202).json(result.answer);
      }
    },
  );
}
