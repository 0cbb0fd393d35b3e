import { Router } from 'express';
import { z } from 'zod';
import { decodeCursor, listDeliveries, toPage, type Delivery } from '@herald/db';
import { principalOf, requireScope } from '@herald/http';
import { EventTypeNameSchema, ListQuerySchema, TimestampSchema } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';

const OutboxQuerySchema = z.object({
  status: z.enum(['pending', 'delivered', 'dead', 'cancelled']).optional(),
  endpoint_id: z.string().min(1).max(64).optional(),
  event_type: EventTypeNameSchema.optional(),
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function deliveryOut(d: Delivery) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    endpoint_id: d.endpointId,
    status: d.status,
    attempts: d.attempts,
    max_attempts: d.maxAttempts,
    next_attempt_at: iso(d.nextAttemptAt),
    last_response_status: d.lastResponseStatus,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    delivered_at: iso(d.deliveredAt),
  };
}

/** The outbox: every delivery and where it stands. */
export function outboxRouter({ db, authenticate }: ApiDeps): Router {
  const router = Router();
  router.use('/api/v1/outbox', authenticate);

  router.get('/api/v1/outbox', requireScope('read'), async (req, res) => {
    const query = ListQuerySchema.parse(req.query);
    const filter = OutboxQuerySchema.parse(req.query);
    const rows = await listDeliveries(
      db,
      principalOf(res).tenantId,
      {
        status: filter.status,
        endpointId: filter.endpoint_id,
        eventType: filter.event_type,
        since: filter.since ? new Date(filter.since) : undefined,
        until: filter.until ? new Date(filter.until) : undefined,
      },
      query.limit,
      decodeCursor(query.cursor),
    );
    res.json(toPage(rows, query.limit, (d) => d.id, deliveryOut));
  });

  return router;
}
