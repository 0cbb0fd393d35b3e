import { AppError } from '@herald/core';
import { endpointHourly, endpointStats, findEndpoint, listEndpointAttempts } from '@herald/db';
import { decodeCursor, idCursorKey, principalOf, type RouteTable, toPage } from '@herald/http';
import {
  EndpointAttemptOutSchema,
  EndpointAttemptsQuerySchema,
  EndpointHourlyOutSchema,
  EndpointHourlyQuerySchema,
  EndpointParamsSchema,
  EndpointStatsOutSchema,
  EndpointStatsQuerySchema,
  ListQuerySchema,
  pageSchema,
  windowMs,
  type EndpointHourlyOut,
  type EndpointStatsOut,
} from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { attemptOut } from '../mappers.js';

/** How an endpoint is doing: its stats over a window and its attempts. */
export function endpointActivityRoutes(routes: RouteTable, { db }: ApiDeps): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/endpoints/{id}/stats',
      summary: 'Deliveries, failures, success rate and latency of an endpoint over a window (default 24h, at most 30d)',
      tag: 'Endpoints',
      auth: 'read',
      params: EndpointParamsSchema,
      query: EndpointStatsQuerySchema,
      responses: { 200: { description: 'The stats.', schema: EndpointStatsOutSchema } },
    },
    async ({ params, query }, _req, res) => {
      const { tenantId } = principalOf(res);
      const endpoint = await findEndpoint(db, tenantId, params.id);
      if (!endpoint) throw AppError.notFound(`Endpoint '${params.id}'`);
      const since = new Date(Date.now() - windowMs(query.window));
      const s = await endpointStats(db, tenantId, endpoint.id, since, query.channel);
      const answer: EndpointStatsOut = {
        window: query.window,
        delivered: s.delivered,
        failed_attempts: s.failedAttempts,
        pending: s.pending,
        dead: s.dead,
        success_rate: s.attempts > 0 ? Math.round((s.succeededAttempts / s.attempts) * 10_000) / 10_000 : null,
        p50_latency_ms: s.p50LatencyMs,
        p99_latency_ms: s.p99LatencyMs,
      };
      res.json(answer);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/endpoints/{id}/stats/hourly',
      summary: 'Succeeded and failed attempts and dead deliveries of an endpoint per UTC hour (default the last 24 hours)',
      tag: 'Endpoints',
      auth: 'read',
      params: EndpointParamsSchema,
      query: EndpointHourlyQuerySchema,
      responses: { 200: { description: 'One bucket per hour, oldest first.', schema: EndpointHourlyOutSchema } },
    },
    async ({ params, query }, _req, res) => {
      const { tenantId } = principalOf(res);
      const endpoint = await findEndpoint(db, tenantId, params.id);
      if (!endpoint) throw AppError.notFound(`Endpoint '${params.id}'`);
      const hours = await endpointHourly(db, tenantId, endpoint.id, query.hours);
      const answer: EndpointHourlyOut = { hours: hours.map((h) => ({ start: h.start.toISOString(), delivered: h.delivered, failed: h.failed, dead: h.dead })) };
      res.json(answer);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/endpoints/{id}/attempts',
      summary: 'Attempts made to an endpoint, newest first, optionally of one channel',
      tag: 'Endpoints',
      auth: 'read',
      params: EndpointParamsSchema,
      query: ListQuerySchema.extend(EndpointAttemptsQuerySchema.shape),
      responses: { 200: { description: 'A page of attempts.', schema: pageSchema(EndpointAttemptOutSchema) } },
    },
    async ({ params, query }, _req, res) => {
      const { tenantId } = principalOf(res);
      const endpoint = await findEndpoint(db, tenantId, params.id);
      if (!endpoint) throw AppError.notFound(`Endpoint '${params.id}'`);
      const rows = await listEndpointAttempts(db, tenantId, endpoint.id, query.limit, decodeCursor(query.cursor, idCursorKey('att')), query.channel);
      res.json(toPage(rows, query.limit, (a) => a.id, attemptOut));
    },
  );
}
