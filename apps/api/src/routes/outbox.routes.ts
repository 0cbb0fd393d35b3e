import { z } from 'zod';
import { AppError } from '@herald/core';
import { findDeliveryDetail, listDeliveries, previewReplay, replayDeliveries, replayDelivery, replaySample, type ReplayedDelivery, type ReplayFilter } from '@herald/db';
import { decodeCursor, idCursorKey, principalOf, type RouteTable, toPage } from '@herald/http';
import { requestBody, type RequestFormat } from '@herald/delivery';
import {
  EMAIL_NOT_CONFIGURED,
  DeliveryDetailOutSchema,
  DeliveryOutSchema,
  DRY_RUN_SAMPLE,
  ListQuerySchema,
  OutboxQuerySchema,
  pageSchema,
  REPLAY_DEFAULT_CAP,
  ReplayDryRunOutSchema,
  ReplayedOutSchema,
  ReplayFilterInSchema,
  ReplayPreviewOutSchema,
  ReplayPreviewQuerySchema,
  type ReplayDryRunOut,
  type ReplayPreviewOut,
} from '@herald/schemas';
import { bestEffort } from '../best-effort.js';
import type { ApiDeps } from '../deps.js';
import { attemptDetailOut, deliveryOut } from '../mappers.js';

const DeliveryParams = z.object({ delivery_id: z.string() });

/** A bulk replay's filter as the body (or the preview's query) gives it. */
function replayFilter(input: z.output<typeof ReplayPreviewQuerySchema>): ReplayFilter {
  return {
    kind: input.kind,
    endpointId: input.endpoint_id,
    eventType: input.event_type,
    channel: input.channel,
    status: input.status,
    since: input.since ? new Date(input.since) : undefined,
    until: input.until ? new Date(input.until) : undefined,
  };
}

/** The outbox: every delivery and where it stands; dead letters and replay. */
export function outboxRoutes(routes: RouteTable, deps: ApiDeps): void {
  const { db, enqueuer } = deps;
  const replayOptions = { emailConfigured: deps.config.HERALD_SMTP_URL !== undefined };
  /**
   * Queues replayed deliveries at once; the job id (delivery id) keeps one
   * live job per delivery. They are committed pending: if Redis does not take
   * them, the reconciler does.
   */
  const enqueue = (deliveries: ReplayedDelivery[]) =>
    bestEffort(deps, 'queueing replayed deliveries', { deliveries: deliveries.length }, () =>
      enqueuer.enqueue(deliveries.map((d) => ({ deliveryId: d.id, tenantId: d.tenantId, endpointId: d.endpointId, maxAttempts: d.maxAttempts }))),
    );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/outbox',
      summary: 'List deliveries, newest first, by status, kind, endpoint, event type, channel and time',
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
          kind: query.kind,
          endpointId: query.endpoint_id,
          eventType: query.event_type,
          channel: query.channel,
          since: query.since ? new Date(query.since) : undefined,
          until: query.until ? new Date(query.until) : undefined,
        },
        query.limit,
        decodeCursor(query.cursor, idCursorKey('dlv')),
      );
      res.json(toPage(rows, query.limit, (d) => d.id, deliveryOut));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/outbox/{delivery_id}',
      summary: 'One delivery with every attempt: request headers and body sent, response, latency, error',
      tag: 'Outbox',
      auth: 'read',
      params: DeliveryParams,
      responses: { 200: { description: 'The delivery and its attempts, oldest first.', schema: DeliveryDetailOutSchema } },
    },
    async ({ params }, _req, res) => {
      const detail = await findDeliveryDetail(db, principalOf(res).tenantId, params.delivery_id);
      if (!detail) throw AppError.notFound(`Delivery '${params.delivery_id}'`);
      const { attempts: attemptCount, ...delivery } = deliveryOut(detail);
      const attempts = detail.attemptsList.map((a) =>
        attemptDetailOut(a, requestBody(a.requestFormat as RequestFormat | null, detail.event, detail.endpointId ?? '')),
      );
      res.json({ ...delivery, attempt_count: attemptCount, attempts });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/outbox/{delivery_id}/replay',
      summary: 'Replay one delivery now: attempts restart at 0 (from dead, delivered or cancelled)',
      tag: 'Outbox',
      auth: 'admin',
      params: DeliveryParams,
      responses: {
        202: { description: 'Queued.', schema: DeliveryOutSchema },
        409: { description: 'Already pending, or its endpoint is disabled or deleted, or (an email) email is not configured.' },
      },
    },
    async ({ params }, _req, res) => {
      const { tenantId } = principalOf(res);
      const result = await replayDelivery(db, tenantId, params.delivery_id, replayOptions);
      switch (result.outcome) {
        case 'not_found':
          throw AppError.notFound(`Delivery '${params.delivery_id}'`);
        case 'already_pending':
          throw new AppError('conflict', 'The delivery is already pending; it will be attempted without a replay.');
        case 'endpoint_unavailable':
          throw new AppError('conflict', `The delivery cannot be replayed: ${result.reason}.`);
        case 'email_unavailable':
          throw new AppError('conflict', `The delivery cannot be replayed: ${EMAIL_NOT_CONFIGURED}.`);
        case 'replayed': {
          const { delivery } = result;
          // An email goes back to its tenant's email queue (packages/queue names.ts).
          await enqueue([{ id: delivery.id, tenantId, endpointId: delivery.endpointId ?? tenantId, maxAttempts: delivery.maxAttempts }]);
          res.status(202).json(deliveryOut(delivery));
        }
      }
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/outbox/replay',
      summary: 'Replay the deliveries matching a filter (default status dead), at most limit; dry_run counts and shows the first 20',
      tag: 'Outbox',
      auth: 'admin',
      body: ReplayFilterInSchema,
      responses: {
        202: { description: 'How many deliveries were queued again.', schema: ReplayedOutSchema },
        200: { description: 'dry_run: how many would be, and the first of them; nothing changed.', schema: ReplayDryRunOutSchema },
      },
    },
    async ({ body }, _req, res) => {
      const { tenantId } = principalOf(res);
      const filter = replayFilter(body);
      let limit = body.limit;
      if (limit === undefined) {
        // Refused before anything changes: a filter wider than meant is a mistake to show, not to run.
        const { replayable } = await previewReplay(db, tenantId, filter, replayOptions);
        if (replayable > REPLAY_DEFAULT_CAP) {
          throw AppError.unprocessable(`The filter matches ${replayable} deliveries, more than ${REPLAY_DEFAULT_CAP}; narrow it or give a limit.`, [
            { path: 'limit', message: `required when more than ${REPLAY_DEFAULT_CAP} deliveries match (${replayable} do)` },
          ]);
        }
        limit = REPLAY_DEFAULT_CAP;
      }
      if (body.dry_run) {
        const [{ replayable }, sample] = await Promise.all([previewReplay(db, tenantId, filter, replayOptions), replaySample(db, tenantId, filter, replayOptions, Math.min(DRY_RUN_SAMPLE, limit))]);
        const answer: ReplayDryRunOut = { dry_run: true, count: Math.min(replayable, limit), deliveries: sample.map(deliveryOut) };
        res.status(200).json(answer);
        return;
      }
      const replayed = await replayDeliveries(db, tenantId, filter, replayOptions, limit);
      await enqueue(replayed);
      res.status(202).json({ replayed: replayed.length });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/outbox/replay/preview',
      summary: 'Count what POST /api/v1/outbox/replay would replay with the same filter, changing nothing',
      tag: 'Outbox',
      auth: 'read',
      query: ReplayPreviewQuerySchema,
      responses: { 200: { description: 'How many deliveries match, and how many a replay would take now.', schema: ReplayPreviewOutSchema } },
    },
    async ({ query }, _req, res) => {
      const preview = await previewReplay(db, principalOf(res).tenantId, replayFilter(query), replayOptions);
      const answer: ReplayPreviewOut = { matching: preview.matching, replayable: preview.replayable };
      res.json(answer);
    },
  );
}
