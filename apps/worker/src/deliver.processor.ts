import { newId, type Logger } from '@herald/core';
import type { AttemptRecord, DeliveryContext, DeliveryEndpoint, DeliveryKey, DeliveryState, EmailDeliveryContext } from '@herald/db';
import {
  attemptFields,
  decideAttempt,
  describeReason,
  endpointStopsDelivery,
  RetryLaterError,
  sendAttempt,
  sendEmailAttempt,
  type AttemptDecision,
  type AttemptSender,
  type DeliveryReason,
  type DisabledReason,
  type EmailSender,
  type RetryPolicy,
  type SentAttempt,
} from '@herald/delivery';
import { INLINE_EVENT_TRUST_MS, isEmailQueueOwner, type DeliveryJobSpec } from '@herald/queue';
import { isOperationalEventType, type DeliveryKind, type InlineEvent } from '@herald/schemas';
import type { WorkerMetrics } from './worker-metrics.js';

/** One run of a delivery job. */
export interface DeliveryRun {
  deliveryId: string;
  tenantId: string;
  /** The queue's owner: the endpoint, or for an email delivery its tenant (packages/queue names.ts). */
  endpointId: string;
  /** The delivery's max_attempts (the job's attempts). */
  maxAttempts: number;
  /** The event, when ingest's job carries it. */
  event?: InlineEvent;
  /** The job has neither failed nor stalled before. */
  firstTry: boolean;
  /** When the job became due, ms since the epoch: when it was queued, plus its delay if it was queued with one. */
  dueAt: number;
}

export interface DeliverDeps {
  /** The delivery's context, or null when the tenant has no such delivery. */
  loadContext: (key: DeliveryKey) => Promise<DeliveryContext | null>;
  /** Where the delivery stands, or null when the tenant has no such delivery: the check of an older carried event. */
  loadState: (key: DeliveryKey) => Promise<DeliveryState | null>;
  /** Endpoints for first attempts that carry their event. */
  endpoints: { get(tenantId: string, endpointId: string): Promise<DeliveryEndpoint | null> };
  /** Settles a pending delivery without an attempt. */
  finish: (tenantId: string, deliveryId: string, status: 'dead' | 'cancelled', reason: DeliveryReason) => Promise<void>;
  /** Resolves once the attempt and its delivery's new state are committed; `urgent: false` when no job may wait for it. */
  attempts: { record(record: AttemptRecord, options?: { urgent?: boolean }): Promise<void> };
  /**
   * Lets a delivered job go before its attempt is committed, when it can vouch
   * for the delivery meanwhile (unrecorded.ts); resolves false when the job must
   * wait for the commit. Without it every job waits.
   */
  unrecorded?: { letGo(spec: DeliveryJobSpec, recording: Promise<void>): Promise<boolean> };
  /** Disables an endpoint when an attempt's decision says so. */
  health: { disable(tenantId: string, endpointId: string, reason: DisabledReason): Promise<void> };
  sender: AttemptSender;
  /** Email deliveries: their contexts and how they are sent; null when HERALD_SMTP_URL is unset. */
  email: { loadContext: (key: DeliveryKey) => Promise<EmailDeliveryContext | null>; sender: EmailSender } | null;
  /** Told of each webhook delivery that died with its attempts exhausted (herald.delivery.dead counts them). */
  onExhausted?: (tenantId: string, endpointId: string) => void;
  retry: RetryPolicy;
  logger: Logger;
  metrics: WorkerMetrics;
  /** Ordered delivery: whose turn it is on an ordering key (fifo-turns.ts). */
  turns: {
    check(tenantId: string, deliveryId: string): Promise<void>;
    finished(endpointId: string, tenantId: string, deliveryId: string, died: boolean): Promise<void>;
  };
}

/** What became of one job. */
export type DeliverResult = 'delivered' | 'retry' | 'dead' | 'cancelled' | 'skipped';

/**
 * Delivers one delivery once: load → send → decide → record. A delivery that
 * is no longer pending is skipped, so a duplicate job never sends what
 * already succeeded; a decision to retry throws RetryLaterError so BullMQ
 * schedules the next attempt.
 */
export function createDeliverProcessor(deps: DeliverDeps) {
  return async function deliver(run: DeliveryRun): Promise<DeliverResult> {
    const email = isEmailQueueOwner(run.endpointId);
    // A retry starts when its schedule says, so only a first try's start says how long work waits for a worker.
    if (run.firstTry) deps.metrics.queueWait.observe({ kind: email ? 'email' : 'webhook' }, Math.max(0, Date.now() - run.dueAt) / 1000);
    if (email) return deliverEmail(deps, run);
    const ctx = await load(deps, run);
    if (!ctx) return withoutAttempt(deps, 'skipped', 'webhook');
    const fifo = ctx.endpoint.ordering === 'fifo';
    if (ctx.status !== 'pending') {
      // A job of a finished delivery (e.g. handed back after a crash before the turn was passed): pass it again.
      if (fifo) await deps.turns.finished(ctx.endpointId, ctx.tenantId, ctx.id, ctx.status === 'dead');
      return withoutAttempt(deps, 'skipped', 'webhook');
    }
    const stop = endpointStopsDelivery(ctx.endpoint);
    if (stop) {
      await deps.finish(ctx.tenantId, ctx.id, stop.status, stop.reason);
      if (fifo) await deps.turns.finished(ctx.endpointId, ctx.tenantId, ctx.id, stop.status === 'dead');
      return withoutAttempt(deps, stop.status, 'webhook');
    }
    if (fifo) await deps.turns.check(ctx.tenantId, ctx.id);

    const attempt = ctx.attempts + 1;
    const sent = await sendAttempt(deps.sender, { event: ctx.event, endpoint: ctx.endpoint, attempt });
    const decision = decideAttempt({ attempt, maxAttempts: ctx.maxAttempts, result: sent.result, now: sent.finishedAt.getTime() }, deps.retry);
    // Only a final success on an unordered endpoint goes before its commit: a retry, a death or a fifo turn needs the record first.
    const mayGo = decision.delivery === 'delivered' && !fifo && deps.unrecorded !== undefined;
    const recording = deps.attempts.record(attemptRecord(ctx, ctx.endpointId, attempt, sent, decision), { urgent: !mayGo });
    // Handled here so a failure while the job is being let go is not an unhandled rejection; awaited below or by letGo.
    recording.catch(() => undefined);
    const spec: DeliveryJobSpec = { deliveryId: ctx.id, tenantId: ctx.tenantId, endpointId: ctx.endpointId, maxAttempts: ctx.maxAttempts };
    const letGo = mayGo ? await deps.unrecorded!.letGo(spec, recording) : false;
    if (!letGo) await recording;
    if (decision.disable) await deps.health.disable(ctx.tenantId, ctx.endpointId, decision.disable);
    if (fifo && decision.delivery !== 'pending') await deps.turns.finished(ctx.endpointId, ctx.tenantId, ctx.id, decision.delivery === 'dead');
    // Herald's own events dying are not reported again: a notice about a notice could go round.
    if (decision.deadBecause === 'attempts_exhausted' && !isOperationalEventType(ctx.event.eventType)) deps.onExhausted?.(ctx.tenantId, ctx.endpointId);

    observe(deps, ctx, 'webhook', ctx.endpointId, attempt, sent, decision);
    return settle(decision, attempt);
  };
}

/**
 * Delivers one email delivery once, like a webhook: load → send over SMTP →
 * decide (the same policy) → record. Without SMTP configured it is dead at
 * once (replayable once it is).
 */
async function deliverEmail(deps: DeliverDeps, run: DeliveryRun): Promise<DeliverResult> {
  if (!deps.email) {
    await deps.finish(run.tenantId, run.deliveryId, 'dead', { kind: 'email_not_configured' });
    return withoutAttempt(deps, 'dead', 'email');
  }
  const ctx = await deps.email.loadContext({ tenantId: run.tenantId, deliveryId: run.deliveryId });
  if (!ctx || ctx.status !== 'pending') return withoutAttempt(deps, 'skipped', 'email');
  const attempt = ctx.attempts + 1;
  const sent = await sendEmailAttempt(deps.email.sender, { event: ctx.event, recipient: ctx.recipient, tenant: ctx.tenant });
  const decision = decideAttempt({ attempt, maxAttempts: ctx.maxAttempts, result: sent.result, now: sent.finishedAt.getTime() }, deps.retry);
  await deps.attempts.record(attemptRecord(ctx, null, attempt, sent, decision));
  observe(deps, ctx, 'email', null, attempt, sent, decision);
  return settle(decision, attempt);
}

/** What the job does after a decision: retry (BullMQ schedules it) or end. */
function settle(decision: AttemptDecision, attempt: number): DeliverResult {
  if (decision.retryInMs !== null) throw new RetryLaterError(`attempt ${attempt} failed: ${describeReason(decision.reason!)}`, decision.retryInMs);
  return decision.delivery === 'delivered' ? 'delivered' : 'dead';
}

/**
 * The delivery's context. A first try of a job ingest made carries its event:
 * with the endpoint from the cache it needs no query while it is fresh
 * (INLINE_EVENT_TRUST_MS: no other job for the delivery can exist yet). Once
 * older (it waited in a backlog, or reached Redis late), the event is still
 * used if PostgreSQL says the delivery is pending and never attempted: a
 * primary key lookup, where reading the whole context cost a burst's drain
 * about a fifth of its rate. Anything else (a retry, a job found stalled after
 * a crash, a replay, a re-enqueued delivery, a delivery another job already
 * attempted) reads the delivery from PostgreSQL.
 */
async function load(deps: DeliverDeps, run: DeliveryRun): Promise<DeliveryContext | null> {
  const { deliveryId, tenantId, event } = run;
  if (!event || !run.firstTry) return deps.loadContext({ tenantId, deliveryId });
  const endpoint = await deps.endpoints.get(tenantId, run.endpointId);
  if (!endpoint) return deps.loadContext({ tenantId, deliveryId });
  if (Date.now() - Date.parse(event.createdAt) >= INLINE_EVENT_TRUST_MS) {
    const state = await deps.loadState({ tenantId, deliveryId });
    if (state?.status !== 'pending' || state.attempts !== 0) return deps.loadContext({ tenantId, deliveryId });
  }
  return {
    id: deliveryId,
    tenantId,
    eventId: event.eventId,
    endpointId: run.endpointId,
    status: 'pending',
    attempts: 0,
    maxAttempts: run.maxAttempts,
    event: {
      id: event.eventId,
      tenantId,
      eventType: event.eventType,
      createdAt: new Date(event.createdAt),
      payload: event.payload,
    },
    endpoint,
  };
}

/** The attempt row and the delivery's new state, as the attempt writer stores them. */
function attemptRecord(
  ctx: DeliveryContext | EmailDeliveryContext,
  endpointId: string | null,
  attempt: number,
  sent: SentAttempt,
  decision: AttemptDecision,
): AttemptRecord {
  const fields = attemptFields(sent, decision);
  return {
    tenantId: ctx.tenantId,
    attempt: { id: newId('att'), deliveryId: ctx.id, endpointId, eventId: ctx.eventId, attempt, ...fields },
    update: {
      status: decision.delivery,
      nextAttemptAt: decision.retryInMs === null ? null : new Date(sent.finishedAt.getTime() + decision.retryInMs),
      lastResponseStatus: fields.responseStatus,
      lastError: fields.error,
      deliveredAt: decision.delivery === 'delivered' ? sent.finishedAt : null,
    },
  };
}

/** Counts a job that ended without an attempt. */
function withoutAttempt(deps: DeliverDeps, result: 'skipped' | 'cancelled' | 'dead', kind: DeliveryKind): DeliverResult {
  deps.metrics.deliveries.inc({ outcome: result, kind });
  if (result === 'dead') deps.metrics.deadLetters.inc({ reason: kind === 'email' ? 'email_not_configured' : 'endpoint_disabled', kind });
  return result;
}

/** Logs and measures an attempt. */
function observe(
  deps: DeliverDeps,
  ctx: DeliveryContext | EmailDeliveryContext,
  kind: DeliveryKind,
  endpointId: string | null,
  attempt: number,
  sent: SentAttempt,
  decision: AttemptDecision,
): void {
  const { metrics, logger } = deps;
  const level = decision.delivery === 'delivered' ? 'debug' : 'info';
  if (logger.isLevelEnabled(level)) {
    logger.log(level, 'attempt', {
      tenant_id: ctx.tenantId,
      kind,
      endpoint_id: endpointId,
      delivery_id: ctx.id,
      attempt,
      status: decision.delivery,
      error: decision.reason ? describeReason(decision.reason) : null,
      latency_ms: sent.result.latencyMs,
    });
  }
  metrics.attemptDuration.observe({ result: decision.attempt, kind }, sent.result.latencyMs / 1000);
  metrics.deliveries.inc({ outcome: decision.delivery === 'pending' ? 'retry' : decision.delivery, kind });
  if (decision.delivery === 'delivered') metrics.ingestToDelivery.observe({ kind }, (sent.finishedAt.getTime() - ctx.event.createdAt.getTime()) / 1000);
  if (decision.deadBecause) metrics.deadLetters.inc({ reason: decision.deadBecause, kind });
}
