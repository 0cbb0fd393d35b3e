import { randomUUID } from 'node:crypto';
import { newId, type Logger } from '@herald/core';
import { finishDelivery, loadDeliveryContext, recordAttempt, type DeliveryContext, type PrismaClient } from '@herald/db';
import type { OutboundResult, Transport } from '@herald/outbound';
import { envelopeBody, type DeliverJob } from '@herald/schemas';
import { heraldHeaderNames, signatureHeader, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '@herald/signing';
import { classifyResult, nextDelay, type RetryPolicy } from './retry-policy.js';
import type { SigningKeyCache } from './signing-keys.js';

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
  db: PrismaClient;
  transport: Transport;
  signingKeys: SigningKeyCache;
  retry: RetryPolicy;
  headerPrefix: string;
  userAgent: string;
  logger: Logger;
}

/** What became of one job. */
export type DeliverResult = 'delivered' | 'retry' | 'dead' | 'cancelled' | 'skipped';

function describeFailure(result: OutboundResult): string {
  return result.kind === 'error' ? result.message : `HTTP ${result.status}`;
}

/** The headers of one attempt, in the order API.md lists them; the endpoint's own come last. */
function attemptHeaders(ctx: DeliveryContext, deps: DeliverDeps, attempt: number, body: string, now: Date): Record<string, string> {
  const names = heraldHeaderNames(deps.headerPrefix);
  const timestamp = Math.floor(now.getTime() / 1000);
  const keys = deps.signingKeys.forEndpoint(ctx.endpoint, now);
  return {
    [WEBHOOK_ID_HEADER]: ctx.event.id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: signatureHeader(keys, ctx.event.id, timestamp, body),
    [names.event]: ctx.event.eventType,
    [names.delivery]: randomUUID(),
    [names.attempt]: String(attempt),
    [names.schemaVersion]: ctx.event.schemaVersion,
    'content-type': 'application/json',
    'user-agent': deps.userAgent,
    ...(ctx.endpoint.headers as Record<string, string>),
  };
}

/**
 * Delivers one delivery once: loads it, signs, POSTs through the transport,
 * records the attempt, and decides: delivered, retry (throws RetryLaterError
 * so BullMQ schedules it), or dead. A delivery that is no longer pending is
 * skipped, so a duplicate job never sends twice what already succeeded.
 */
export function createDeliverProcessor(deps: DeliverDeps) {
  return async function deliver({ deliveryId, tenantId }: DeliverJob): Promise<DeliverResult> {
    const { db } = deps;
    const ctx = await loadDeliveryContext(db, tenantId, deliveryId);
    if (!ctx || ctx.status !== 'pending') return 'skipped';
    const log = deps.logger.child({ tenant_id: tenantId, endpoint_id: ctx.endpointId, delivery_id: deliveryId });
    if (ctx.endpoint.deletedAt) {
      await finishDelivery(db, tenantId, deliveryId, 'cancelled', 'endpoint deleted');
      return 'cancelled';
    }
    if (!ctx.endpoint.enabled) {
      await finishDelivery(db, tenantId, deliveryId, 'dead', `endpoint disabled (${ctx.endpoint.disabledReason ?? 'manual'})`);
      return 'dead';
    }

    const attempt = ctx.attempts + 1;
    const now = new Date();
    const body = envelopeBody(ctx.event);
    const headers = attemptHeaders(ctx, deps, attempt, body, now);
    const result = await deps.transport.post({ url: ctx.endpoint.url, headers, body, timeoutMs: ctx.endpoint.timeoutMs });
    const finishedAt = new Date();
    const outcome = classifyResult(result, finishedAt.getTime());
    const lastAttempt = attempt >= ctx.maxAttempts;
    const delayMs = outcome.kind === 'retry' && !lastAttempt ? nextDelay(attempt, outcome, deps.retry) : null;
    const status = outcome.kind === 'delivered' ? 'delivered' : delayMs === null ? 'dead' : 'pending';
    const error = outcome.kind === 'delivered' ? null : describeFailure(result);

    await recordAttempt(
      db,
      tenantId,
      {
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
      {
        status,
        nextAttemptAt: delayMs === null ? null : new Date(finishedAt.getTime() + delayMs),
        lastResponseStatus: result.kind === 'response' ? result.status : null,
        lastError: error,
        deliveredAt: status === 'delivered' ? finishedAt : null,
      },
    );
    log.log(status === 'delivered' ? 'debug' : 'info', 'attempt', { attempt, status, error, latency_ms: result.latencyMs });
    if (delayMs !== null) throw new RetryLaterError(`attempt ${attempt} failed: ${error}`, delayMs);
    return status === 'delivered' ? 'delivered' : 'dead';
  };
}
