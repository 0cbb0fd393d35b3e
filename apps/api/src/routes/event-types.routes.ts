import { z } from 'zod';
import { AppError } from '@herald/core';
import { createEventType, deleteEventType, eventTypeCursorKey, findEventTypes, listEventTypes, parseEventTypeCursorKey, updateEventType } from '@herald/db';
import { decodeCursor, principalOf, type RouteTable, toPage } from '@herald/http';
import {
  EventTypeCheckInSchema,
  EventTypeCheckOutSchema,
  EventTypeDeletedOutSchema,
  EventTypeInSchema,
  EventTypeOutSchema,
  EventTypePatchSchema,
  ListQuerySchema,
  pageSchema,
  isOperationalEventType,
  TEST_EVENT_TYPE,
  type EventTypeCheckOut,
  type EventTypeDeletedOut,
} from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { eventTypeOut, isBuiltInEventType } from '../mappers.js';
import { assertEmailConfigured, checkedAddresses } from '../notifications/email-settings.js';

export const EventTypeParams = z.object({ name: z.string() });

/**
 * 409 for the built-in types: `webhook.test` (the contract says it always
 * exists, and the endpoint test route sends it with any payload) and Herald's
 * own `herald.*` (Herald writes their payloads), so neither their removal nor
 * a schema on them may be allowed; only their email settings change.
 */
function assertNotBuiltIn(name: string): void {
  if (isBuiltInEventType(name)) {
    throw new AppError('conflict', `Event type '${name}' is built in: it always exists and only its email settings can be changed.`);
  }
}

/** Event types a tenant's events and subscriptions may name. */
export function eventTypeRoutes(routes: RouteTable, { db, sql, payloadSchemas, config }: ApiDeps): void {
  /**
   * 422 unless the schema compiles (draft 2020-12) with patterns Herald can
   * match in linear time, naming where it fails (`schema.properties.name.pattern`).
   */
  const assertUsableSchema = (schema: Record<string, unknown> | null | undefined) => {
    const problem = schema ? payloadSchemas.problemWith(schema) : null;
    if (problem) {
      throw AppError.unprocessable('The schema cannot be used.', [
        { path: problem.path ? `schema.${problem.path}` : 'schema', message: problem.message },
      ]);
    }
  };

  routes.add(
    {
      method: 'post',
      path: '/api/v1/event-types',
      summary: 'Register an event type, optionally with a JSON Schema for its payload',
      tag: 'Event types',
      auth: 'admin',
      body: EventTypeInSchema,
      responses: {
        201: { description: 'The event type.', schema: EventTypeOutSchema },
        409: { description: 'The name is taken.' },
      },
    },
    async ({ body }, _req, res) => {
      if (isOperationalEventType(body.name)) {
        throw AppError.unprocessable("Event types herald.* are Herald's own.", [{ path: 'name', message: `'${body.name}' is reserved for Herald's own events` }]);
      }
      assertUsableSchema(body.schema);
      const created = await createEventType(db, principalOf(res).tenantId, body);
      if (!created) throw new AppError('conflict', `Event type '${body.name}' already exists.`);
      res.status(201).json(eventTypeOut(created));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/event-types/check',
      summary: 'Check a JSON Schema (and a sample payload against it) as creating or changing an event type would, saving nothing',
      tag: 'Event types',
      auth: 'admin',
      body: EventTypeCheckInSchema,
      responses: { 200: { description: 'The schema can be used and the payload, if given, satisfies it.', schema: EventTypeCheckOutSchema } },
    },
    ({ body }, _req, res) => {
      assertUsableSchema(body.schema);
      const violations = body.schema && body.payload ? payloadSchemas.validate(body.schema, body.payload) : [];
      if (violations.length > 0) {
        throw AppError.unprocessable(
          'The payload does not match the schema.',
          violations.map((v) => ({ path: v.path ? `payload.${v.path}` : 'payload', message: v.message })),
        );
      }
      const answer: EventTypeCheckOut = { valid: true };
      res.json(answer);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/event-types',
      summary: 'List event types, newest first',
      tag: 'Event types',
      auth: 'read',
      query: ListQuerySchema,
      responses: { 200: { description: 'A page of event types.', schema: pageSchema(EventTypeOutSchema) } },
    },
    async ({ query }, _req, res) => {
      const rows = await listEventTypes(db, principalOf(res).tenantId, query.limit, decodeCursor(query.cursor, parseEventTypeCursorKey));
      res.json(toPage(rows, query.limit, eventTypeCursorKey, eventTypeOut));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/event-types/{name}',
      summary: 'Get an event type',
      tag: 'Event types',
      auth: 'read',
      params: EventTypeParams,
      responses: { 200: { description: 'The event type.', schema: EventTypeOutSchema } },
    },
    async ({ params }, _req, res) => {
      const [found] = await findEventTypes(sql, principalOf(res).tenantId, [params.name]);
      if (!found) throw AppError.notFound(`Event type '${params.name}'`);
      res.json(eventTypeOut(found));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/v1/event-types/{name}',
      summary: 'Change the description, the payload schema (`schema: null` removes it) or the email settings of an event type',
      tag: 'Event types',
      auth: 'admin',
      params: EventTypeParams,
      body: EventTypePatchSchema,
      responses: {
        200: { description: 'The event type as changed.', schema: EventTypeOutSchema },
        409: { description: `'${TEST_EVENT_TYPE}' and Herald's herald.* types are built in: only their email settings can change.` },
        422: { description: 'An email address is not valid, or email is not configured on this Herald.' },
      },
    },
    async ({ params, body }, _req, res) => {
      if (body.description !== undefined || body.schema !== undefined) assertNotBuiltIn(params.name);
      assertUsableSchema(body.schema);
      let email: { enabled: boolean; subscribers: string[] } | undefined;
      if (body.email) {
        const subscribers = checkedAddresses(body.email.subscribers, 'email.subscribers');
        // Turning email off, or emptying the list, needs no SMTP server; anything else does.
        if (body.email.enabled || subscribers.length > 0) assertEmailConfigured(config, 'email');
        email = { enabled: body.email.enabled, subscribers };
      }
      const updated = await updateEventType(db, principalOf(res).tenantId, params.name, { description: body.description, schema: body.schema, email });
      if (!updated) throw AppError.notFound(`Event type '${params.name}'`);
      res.json(eventTypeOut(updated));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/v1/event-types/{name}',
      summary: 'Delete an event type no live endpoint subscribes to by name',
      tag: 'Event types',
      auth: 'admin',
      params: EventTypeParams,
      responses: {
        200: { description: 'Deleted.', schema: EventTypeDeletedOutSchema },
        409: { description: `Endpoints still subscribe to it by name (their ids are in details), or it is '${TEST_EVENT_TYPE}'.` },
      },
    },
    async ({ params }, _req, res) => {
      assertNotBuiltIn(params.name);
      const result = await deleteEventType(db, principalOf(res).tenantId, params.name);
      if (result.outcome === 'not_found') throw AppError.notFound(`Event type '${params.name}'`);
      if (result.outcome === 'subscribed') {
        throw new AppError(
          'conflict',
          `Event type '${params.name}' is subscribed to by ${result.endpointIds.length} endpoint(s); remove it from their events first.`,
          result.endpointIds.map((id) => ({ path: `endpoints.${id}`, message: `endpoint '${id}' subscribes to '${params.name}'` })),
        );
      }
      const answer: EventTypeDeletedOut = { name: params.name, deleted: true };
      res.json(answer);
    },
  );
}
