import { decodeCursor, listDeliveries, toPage } from '@herald/db';
import { principalOf, type RouteTable } from '@herald/http';
import { DeliveryOutSchema, ListQuerySchema, OutboxQuerySchema, pageSchema } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { deliveryOut } from '../mappers.js';

/** The outbox: every delivery and where it stands. */
export function outboxRoutes(routes: RouteTable, { db }: ApiDeps): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/outbox',
      summary: 'List deliveries, newest first, by status, endpoint, event type and time',
      tag: 'Outbox',
      auth: 'read',
      query: ListQuerySchema.extend(OutboxQuerySchema.shape),
      responses: { 200: { description: 'A page of deliveries.', schema: pageSchema(DeliveryOutSchema) } },
    },
    async ({ query }, _req, res) => {
      const rows = await listDeliveries(
        db,
        principalOf(res).tenantId,
        {
          status: query.status,
          endpointId: query.endpoint_id,
          eventType: query.event_type,
          since: query.since ? new Date(query.since) : undefined,
          until: query.until ? new Date(query.until) : undefined,
        },
        query.limit,
        decodeCursor(query.cursor),
      );
      res.json(toPage(rows, query.limit, (d) => d.id, deliveryOut));
    },
  );
}
