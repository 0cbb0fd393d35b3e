import { z } from 'zod';
import { AppError } from '@herald/core';
import { findEventWithDeliveries } from '@herald/db';
import { principalOf, type RouteTable } from '@herald/http';
import { ENVELOPE_V1, EventDetailOutSchema } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { deliveryOut } from '../mappers.js';

/** `GET /api/v1/events/{event_id}`: what was sent, and to whom. */
export function eventRoutes(routes: RouteTable, { db }: ApiDeps): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/events/{event_id}',
      summary: 'An event: its envelope and its deliveries',
      tag: 'Outbox',
      auth: 'read',
      params: z.object({ event_id: z.string() }),
      responses: { 200: { description: 'The envelope and deliveries.', schema: EventDetailOutSchema } },
    },
    async ({ params }, _req, res) => {
      const event = await findEventWithDeliveries(db, principalOf(res).tenantId, params.event_id);
      if (!event) throw AppError.notFound(`Event '${params.event_id}'`);
      res.json({
        // The event in the first envelope version, which needs nothing but the event; what each endpoint got is in its attempts.
        envelope: JSON.parse(ENVELOPE_V1.body({ event, context: { endpointId: '', environment: null, tenant: { name: '', externalId: null } } })) as unknown,
        idempotency_key: event.idempotencyKey,
        occurred_at: event.occurredAt?.toISOString() ?? null,
        deliveries: event.deliveries.map(deliveryOut),
      });
    },
  );
}
