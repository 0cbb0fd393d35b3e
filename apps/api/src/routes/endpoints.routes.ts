import { AppError, newId } from '@herald/core';
import { createEndpoint, findEndpoint, listEndpoints, type EndpointChanges } from '@herald/db';
import { decodeCursor, idCursorKey, principalOf, toPage, type RouteTable } from '@herald/http';
import {
  EndpointCreatedOutSchema,
  EndpointDeletedOutSchema,
  EndpointInSchema,
  EndpointListQuerySchema,
  EndpointOutSchema,
  EndpointParamsSchema,
  EndpointPatchSchema,
  ListQuerySchema,
  pageSchema,
  SECRET_WARNING,
  type EndpointCreatedOut,
  type EndpointDeletedOut,
  type EndpointPatch,
  type SignatureIn,
} from '@herald/schemas';
import { generateKeyPair, generateSecret, secretPrefix } from '@herald/signing';
import type { ApiDeps } from '../deps.js';
import { acceptChannels, acceptFormat, acceptOrdering, assertEventTypesExist, assertHeadersAllowed, assertUrlAllowed } from '../endpoints/endpoint-checks.js';
import { changeEndpoint } from '../endpoints/change-endpoint.js';
import { removeEndpoint } from '../endpoints/remove-endpoint.js';
import { endpointOut } from '../mappers.js';

/**
 * The PATCH body's plain fields as changes; fields left out stay as they are
 * (a given `headers` or `metadata` replaces the whole map). The delivery
 * format fields are checked and added by acceptFormat.
 */
function changesOf(patch: EndpointPatch): EndpointChanges {
  const changes: EndpointChanges = {
    url: patch.url,
    name: patch.name,
    description: patch.description,
    events: patch.events,
    channels: patch.channels === undefined ? undefined : acceptChannels(patch.channels),
    ordering: patch.ordering === undefined ? undefined : acceptOrdering(patch.ordering),
    timeoutMs: patch.timeout_ms,
    maxAttempts: patch.max_attempts,
    rateLimitPerSecond: patch.rate_limit_per_second,
    headers: patch.headers,
    metadata: patch.metadata,
    enabled: patch.enabled,
  };
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as EndpointChanges;
}

/** Endpoints (subscriptions) of a tenant: create, list, get, change, delete. */
export function endpointRoutes(routes: RouteTable, deps: ApiDeps): void {
  const { db, secretBox } = deps;
  /** A new ed25519 key pair as stored: the secret half encrypted like signing secrets. */
  const newKeyPair = () => {
    const pair = generateKeyPair();
    return { privateKeyCiphertext: secretBox.encrypt(pair.privateKey), publicKey: pair.publicKey };
  };

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
      // Endpoints are webhooks; the IndexBox API's sample body says so, and email goes to people through event types.
      if (body.kind !== undefined && body.kind !== 'webhook') {
        throw AppError.unprocessable(`Endpoints are webhooks: kind '${body.kind}' is not supported.`, [
          { path: 'kind', message: "must be 'webhook' (email is set per event type: PATCH /api/v1/event-types/{name} with email)" },
        ]);
      }
      assertHeadersAllowed(body.headers, deps);
      const channels = acceptChannels(body.channels);
      const format = acceptFormat(body, { signature: body.signature, headers: body.headers }, deps);
      await assertUrlAllowed(body.url, deps);
      await assertEventTypesExist(deps.sql, tenantId, body.events);
      const signature = format.signature!;
      const secret = generateSecret();
      const endpoint = await createEndpoint(db, tenantId, {
        id: newId('ep'),
        url: body.url,
        name: body.name,
        description: body.description,
        events: body.events,
        channels,
        ordering: acceptOrdering(body.ordering),
        enabled: body.enabled,
        timeoutMs: body.timeout_ms,
        maxAttempts: body.max_attempts,
        rateLimitPerSecond: body.rate_limit_per_second,
        headers: body.headers,
        metadata: body.metadata,
        secretCiphertext: secretBox.encrypt(secret),
        secretPrefix: secretPrefix(secret),
        signature,
        bodyFormat: format.bodyFormat!,
        schemaVersion: format.schemaVersion!,
        keyPair: signature.scheme === 'standard-webhooks-ed25519' ? newKeyPair() : null,
      });
      const answer: EndpointCreatedOut = { ...endpointOut(endpoint), signing_secret: secret, _warning: SECRET_WARNING };
      res.status(201).json(answer);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/endpoints',
      summary: 'List endpoints, newest first, optionally by enabled, event type and channel',
      tag: 'Endpoints',
      auth: 'read',
      query: ListQuerySchema.extend(EndpointListQuerySchema.shape),
      responses: { 200: { description: 'A page of endpoints.', schema: pageSchema(EndpointOutSchema) } },
    },
    async ({ query }, _req, res) => {
      const rows = await listEndpoints(
        db,
        principalOf(res).tenantId,
        { enabled: query.enabled, eventType: query.event_type, channel: query.channel },
        query.limit,
        decodeCursor(query.cursor, idCursorKey('ep')),
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
      params: EndpointParamsSchema,
      responses: { 200: { description: 'The endpoint.', schema: EndpointOutSchema } },
    },
    async ({ params }, _req, res) => {
      const endpoint = await findEndpoint(db, principalOf(res).tenantId, params.id);
      if (!endpoint) throw AppError.notFound(`Endpoint '${params.id}'`);
      res.json(endpointOut(endpoint));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/v1/endpoints/{id}',
      summary:
        'Change an endpoint: any create field. enabled: true clears disabled_reason; enabled: false makes its pending deliveries dead (replayable)',
      tag: 'Endpoints',
      auth: 'admin',
      params: EndpointParamsSchema,
      body: EndpointPatchSchema,
      responses: { 200: { description: 'The endpoint as changed.', schema: EndpointOutSchema } },
    },
    async ({ params, body }, _req, res) => {
      const { tenantId } = principalOf(res);
      const notFound = () => AppError.notFound(`Endpoint '${params.id}'`);
      const current = await findEndpoint(db, tenantId, params.id);
      if (!current) throw notFound();
      if (body.headers !== undefined) assertHeadersAllowed(body.headers, deps);
      const after = {
        signature: body.signature ?? (current.signature as SignatureIn),
        headers: body.headers ?? (current.headers as Record<string, string>),
      };
      const format = acceptFormat(body, after, deps);
      if (body.url !== undefined) await assertUrlAllowed(body.url, deps);
      if (body.events !== undefined) await assertEventTypesExist(deps.sql, tenantId, body.events);
      const changes: EndpointChanges = { ...changesOf(body), ...format };
      // Its first key pair, written with the scheme (an endpoint that already has one keeps it).
      if (format.signature?.scheme === 'standard-webhooks-ed25519' && !current.signingKeyCiphertext) changes.keyPair = newKeyPair();
      const changed = await changeEndpoint(deps, tenantId, params.id, changes);
      if (changed === 'not_found') throw notFound();
      if (typeof changed === 'object') {
        throw AppError.unprocessable('The ordering cannot change while deliveries are in flight.', [
          { path: 'ordering', message: `${changed.orderingInFlight} deliveries are pending; change it once they are delivered, dead or cancelled` },
        ]);
      }
      const updated = await findEndpoint(db, tenantId, params.id);
      if (!updated) throw notFound();
      res.json(endpointOut(updated));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/v1/endpoints/{id}',
      summary: 'Delete an endpoint: nothing more is sent to it and its pending deliveries become cancelled',
      tag: 'Endpoints',
      auth: 'admin',
      params: EndpointParamsSchema,
      responses: { 200: { description: 'Deleted.', schema: EndpointDeletedOutSchema } },
    },
    async ({ params }, _req, res) => {
      const outcome = await removeEndpoint(deps, principalOf(res).tenantId, params.id);
      if (outcome === 'not_found') throw AppError.notFound(`Endpoint '${params.id}'`);
      const answer: EndpointDeletedOut = { id: params.id, deleted: true };
      res.json(answer);
    },
  );
}
