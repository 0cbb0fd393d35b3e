import { newId, type Logger } from '@herald/core';
import { finishDelivery, type DeliveryContext, type Sql } from '@herald/db';
import { buildWebhookRequest, type OutboundResult, type SigningKeyCache, type Transport } from '@herald/outbound';
import { INLINE_EVENT_TRUST_MS } from '@herald/queue';
import type { DeliverJob } from '@herald/schemas';
import type { AttemptWriter } from './attempt-writer.js';
import type { EndpointCache } from './endpoint-cache.js';
import type { EndpointHealth } from './endpoint-health.js';
import { classifyResult, nextDelay, type RetryPolicy } from './retry-policy.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** Thrown to have BullMQ retry the job after `delayMs` (read by Herald's backoff strategy). */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

export interface DeliverDeps {
  sql: Sql;
  /** The delivery's context, or null when the tenant has no such delivery (batched: see create-worker.ts). */
  loadContext: (key: { tenantId: string; deliveryId: string }) => Promise<DeliveryContext | null>;
  /** Endpoints for first attempts that carry their event. */
  endpoints: EndpointCache;
  attempts: AttemptWriter;
  health: EndpointHealth;
  transport: Transport;
  signingKeys: SigningKeyCache;
  retry: RetryPolicy;
  headerPrefix: string;
  userAgent: string;
  logger: Logger;
  metrics: WorkerMetrics;
}

/** What became of one job. */
export type DeliverResult = 'delivered' | 'retry' | 'dead' | 'cancelled' | 'skipped';

function describeFailure(result: OutboundResult): string {
  return result.kind === 'error' ? result.message : `HTTP ${result.status}`;
}

/**
 * Delivers one delivery once: loads it, signs, POSTs through the transport,
 * records the attempt, and decides: delivered, retry (throws RetryLaterError
 * so BullMQ schedules it), or dead. A delivery that is no longer pending is
 * skipped, so a duplicate job never sends twice what already succeeded.
 */
export function createDeliverProcessor(deps: DeliverDeps) {
  /**
   * A first try of a job ingest made carries its event: with the endpoint
   * from the cache, it needs no query while it is fresh (INLINE_EVENT_TRUST_MS:
   * no other job for the delivery can exist yet). Anything else (a retry, a job
   * found stalled after a crash, a replay, a re-enqueued delivery, an ingest
   * job that reached Redis late) reads the delivery from PostgreSQL and is
   * skipped unless it is still pending.
   */
  async function contextOf({ deliveryId, tenantId, event }: DeliverJob, firstTry: boolean): Promise<DeliveryContext | null> {
    if (!event || !firstTry || Date.now() - Date.parse(event.createdAt) >= INLINE_EVENT_TRUST_MS) {
      return deps.loadContext({ tenantId, deliveryId });
    }
    const endpoint = await deps.endpoints.get(tenantId, event.endpointId);
    if (!endpoint) return deps.loadContext({ tenantId, deliveryId });
    return {
      id: deliveryId,
      tenantId,
      eventId: event.eventId,
      endpointId: event.endpointId,
      status: 'pending',
      attempts: 0,
      maxAttempts: event.maxAttempts,
      event: {
        id: event.eventId,
        tenantId,
        eventType: event.eventType,
        schemaVersion: event.schemaVersion,
        createdAt: new Date(event.createdAt),
        payload: event.payload,
      },
      endpoint,
    };
  }

  return async function deliver(job: DeliverJob, firstTry: boolean): Promise<DeliverResult> {
    const { sql } = deps;
    const { deliveryId, tenantId } = job;
    const ctx = await contextOf(job, firstTry);
    if (!ctx || ctx.status !== 'pending') {
      deps.metrics.deliveries.inc({ outcome: 'skipped' });
      return 'skipped';
    }
    if (ctx.endpoint.deletedAt) {
      await finishDelivery(sql, tenantId, deliveryId, 'cancelled', 'endpoint deleted');
      deps.metrics.deliveries.inc({ outcome: 'cancelled' });
      return 'cancelled';
    }
    if (!ctx.endpoint.enabled) {
      await finishDelivery(sql, tenantId, deliveryId, 'dead', `endpoint disabled (${ctx.endpoint.disabledReason ?? 'manual'})`);
      deps.metrics.deliveries.inc({ outcome: 'dead' });
      deps.metrics.deadLetters.inc({ reason: 'endpoint_disabled' });
      return 'dead';
    }

    const attempt = ctx.attempts + 1;
    const now = new Date();
    const { body, headers } = buildWebhookRequest({
      event: ctx.event,
      keys: deps.signingKeys.forEndpoint(ctx.endpoint, now),
      attempt,
      endpointHeaders: ctx.endpoint.headers as Record<string, string>,
      headerPrefix: deps.headerPrefix,
      userAgent: deps.userAgent,
      now,
    });
    const result = await deps.transport.post({ url: ctx.endpoint.url, headers, body, timeoutMs: ctx.endpoint.timeoutMs });
    const finishedAt = new Date();
    const outcome = classifyResult(result, finishedAt.getTime());
    const lastAttempt = attempt >= ctx.maxAttempts;
    const delayMs = outcome.kind === 'retry' && !lastAttempt ? nextDelay(attempt, outcome, deps.retry) : null;
    const status = outcome.kind === 'delivered' ? 'delivered' : delayMs === null ? 'dead' : 'pending';
    const error = outcome.kind === 'delivered' ? null : describeFailure(result);

    await deps.attempts.record({
      tenantId,
      attempt: {
        id: newId('att'),
        deliveryId,
        endpointId: ctx.endpointId,
        eventId: ctx.eventId,
        attempt,
        status: outcome.kind === 'delivered' ? 'succeeded' : 'failed',
        requestHeaders: headers,
        responseStatus: result.kind === 'response' ? result.status : null,
        responseHeaders: result.kind === 'response' ? result.headers : null,
        responseBody: result.kind === 'response' ? result.body : null,
        latencyMs: result.latencyMs,
        error,
        createdAt: finishedAt,
      },
      update: {
        status,
        nextAttemptAt: delayMs === null ? null : new Date(finishedAt.getTime() + delayMs),
        lastResponseStatus: result.kind === 'response' ? result.status : null,
        lastError: error,
        deliveredAt: status === 'delivered' ? finishedAt : null,
      },
    });
    if (outcome.kind === 'give_up' && outcome.reason === 'gone') await deps.health.gone(tenantId, ctx.endpointId);
    const level = status === 'delivered' ? 'debug' : 'info';
    if (deps.logger.isLevelEnabled(level)) {
      deps.logger.log(level, 'attempt', {
        tenant_id: tenantId,
        endpoint_id: ctx.endpointId,
        delivery_id: deliveryId,
        attempt,
        status,
        error,
        latency_ms: result.latencyMs,
      });
    }
    const { metrics } = deps;
    metrics.attemptDuration.observe({ result: status === 'delivered' ? 'succeeded' : 'failed' }, result.latencyMs / 1000);
    metrics.deliveries.inc({ outcome: status === 'pending' ? 'retry' : status });
    if (status === 'delivered') metrics.ingestToDelivery.observe((finishedAt.getTime() - ctx.event.createdAt.getTime()) / 1000);
    if (status === 'dead') metrics.deadLetters.inc({ reason: outcome.kind === 'give_up' ? outcome.reason : 'attempts_exhausted' });
    if (delayMs !== null) throw new RetryLaterError(`attempt ${attempt} failed: ${error}`, delayMs);
    return status === 'delivered' ? 'delivered' : 'dead';
  };
}
