import { Router } from 'express';
import { AppError } from '@herald/core';
import { createEventType, decodeCursor, eventTypeCursorKey, listEventTypes, findEventTypes, toPage } from '@herald/db';
import { principalOf, requireScope } from '@herald/http';
import { EventTypeInSchema, EventTypeNameSchema, ListQuerySchema } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { eventTypeOut } from '../mappers.js';

/** Event types a tenant's events and subscriptions may name. */
export function eventTypesRouter({ db, authenticate }: ApiDeps): Router {
  const router = Router();
  router.use('/api/v1/event-types', authenticate);

  router.post('/api/v1/event-types', requireScope('admin'), async (req, res) => {
    const input = EventTypeInSchema.parse(req.body);
    const created = await createEventType(db, principalOf(res).tenantId, input);
    if (!created) throw new AppError('conflict', `Event type '${input.name}' already exists.`);
    res.status(201).json(eventTypeOut(created));
  });

  router.get('/api/v1/event-types', requireScope('read'), async (req, res) => {
    const query = ListQuerySchema.parse(req.query);
    const rows = await listEventTypes(db, principalOf(res).tenantId, query.limit, decodeCursor(query.cursor));
    res.json(toPage(rows, query.limit, eventTypeCursorKey, eventTypeOut));
  });

  router.get('/api/v1/event-types/:name', requireScope('read'), async (req, res) => {
    const name = EventTypeNameSchema.safeParse(req.params.name);
    const [found] = name.success ? await findEventTypes(db, principalOf(res).tenantId, [name.data]) : [];
    if (!found) throw AppError.notFound(`Event type '${req.params.name}'`);
    res.json(eventTypeOut(found));
  });

  return router;
}
