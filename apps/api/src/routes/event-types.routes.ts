import { z } from 'zod';
import { AppError } from '@herald/core';
import { createEventType, decodeCursor, eventTypeCursorKey, findEventTypes, listEventTypes, toPage } from '@herald/db';
import { principalOf, type RouteTable } from '@herald/http';
import { EventTypeInSchema, EventTypeOutSchema, ListQuerySchema, pageSchema } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { eventTypeOut } from '../mappers.js';

export const EventTypeParams = z.object({ name: z.string() });

/** Event types a tenant's events and subscriptions may name. */
export function eventTypeRoutes(routes: RouteTable, { db, payloadSchemas }: ApiDeps): void {
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
      const problem = body.schema ? payloadSchemas.problemWith(body.schema) : null;
      if (problem) throw AppError.unprocessable('The schema is not a valid JSON Schema.', [{ path: 'schema', message: problem }]);
      const created = await createEventType(db, principalOf(res).tenantId, body);
      if (!created) throw new AppError('conflict', `Event type '${body.name}' already exists.`);
      res.status(201).json(eventTypeOut(created));
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
      const rows = await listEventTypes(db, principalOf(res).tenantId, query.limit, decodeCursor(query.cursor));
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
      const [found] = await findEventTypes(db, principalOf(res).tenantId, [params.name]);
      if (!found) throw AppError.notFound(`Event type '${params.name}'`);
      res.json(eventTypeOut(found));
    },
  );
}
