import { AppError, newId, type ErrorDetail, type Logger } from '@herald/core';
import { checkIngestGuard, type GuardFailure, type IngestTarget, type NewEvent, type Sql, type StoredEvent } from '@herald/db';
import type { PayloadSchemas } from '@herald/json-schema';
import type { DeliveryEnqueuer, DeliveryJobSpec } from '@herald/queue';
import {
  channelProblems,
  deliveryOrderingKey,
  EMAIL_MAX_ATTEMPTS,
  INLINE_PAYLOAD_MAX_CHARS,
  isOperationalEventType,
  matchesChannels,
  normalizeChannels,
  orderingKeyProblem,
  type EventAcceptedOut,
  type EventIn,
} from '@herald/schemas';
import type { StoreEvents } from './event-store.js';
import type { IngestCache } from './ingest-cache.js';

export interface IngestDeps {
  sql: Sql;
  cache: IngestCache;
  store: StoreEvents;
  enqueuer: DeliveryEnqueuer;
  logger: Logger;
  payloadSchemas: PayloadSchemas;
  /** Whether HERALD_SMTP_URL is set: without it, no email delivery is made. */
  emailConfigured: boolean;
  /** Told of every result (for metrics). */
  onResults?: (results: readonly IngestResult[]) => void;
}

/** One valid event, and its payload's JSON text to store (the producer's own when it could be kept). */
export interface IngestItem {
  event: EventIn;
  payload: string;
}

/** Each event's result: accepted, or refused with the error shape. */
export type IngestResult = { ok: true; value: EventAcceptedOut } | { ok: false; error: AppError };

/** Who sends the events: the tenant, and the key it authenticated with. */
export interface IngestCaller {
  tenantId: string;
  keyId: string;
}

// Rounds of "read the view, validate, store" before giving up on a tenant whose settings keep changing.
const MAX_ROUNDS = 3;

/**
 * Ingests valid events: refuses unregistered types and payloads that break
 * their type's schema, commits each event and its deliveries to PostgreSQL
 * (one statement, which also re-checks the key and the cached settings), and
 * only after that commit hands the delivery jobs to their endpoints' queues
 * (the answer does not wait for Redis's).
 */
export async function ingestEvents(deps: IngestDeps, caller: IngestCaller, items: readonly IngestItem[]): Promise<IngestResult[]> {
  const { sql, cache } = deps;
  const { tenantId } = caller;
  const events = items.map((item) => item.event);
  const names = [...new Set(events.map((e) => e.event_type))];
  let results: (IngestResult | null)[] = [];
  let rows: NewEvent[] = [];
  let stored: StoredEvent[] = [];
  for (let round = 1; ; round++) {
    const view = await cache.view(tenantId, names);
    ({ results, rows } = validate(deps, items, view.targets));
    const guard = { keyId: caller.keyId, version: view.version };
    let failure: GuardFailure | null;
    if (rows.length === 0) {
      failure = await checkIngestGuard(sql, tenantId, guard); // nothing to store: the refusals must still be current
    } else {
      const outcome = await deps.store(tenantId, rows, guard);
      failure = outcome.ok ? null : outcome.reason;
      if (outcome.ok) stored = outcome.stored;
    }
    if (!failure) break;
    if (failure === 'key_revoked') {
      cache.forgetKey(caller.keyId);
      throw new AppError('unauthorized', 'Invalid or revoked API key.');
    }
    cache.forgetTenant(tenantId);
    if (round === MAX_ROUNDS) throw AppError.unavailable("The tenant's settings are changing; retry the request.");
  }
  const rowIndex = results.flatMap((r, i) => (r ? [] : [i]));
  const jobs = stored.flatMap((s, k) => (s.status === 'inserted' ? deliveryJobs(tenantId, rows[k]!) : []));
  // Committed is what the answer says: it does not wait for Redis (unless too many jobs already
  // do), and the worker's reconciler enqueues pending deliveries Redis lost.
  await deps.enqueuer.handOff(jobs, (error) => {
    deps.logger.warn('enqueue after commit failed; the reconciler will pick these up', {
      tenant_id: tenantId,
      deliveries: jobs.length,
      error,
    });
  });

  stored.forEach((s, k) => {
    const i = rowIndex[k]!;
    results[i] = {
      ok: true,
      value:
        s.status === 'inserted'
          ? { event_id: s.id, event_type: events[i]!.event_type, deliveries: s.deliveries.length, duplicate: false }
          : { event_id: s.id, event_type: s.eventType, deliveries: s.deliveries, duplicate: true },
    };
  });
  deps.onResults?.(results as IngestResult[]);
  return results as IngestResult[];
}

/** Each event refused (unknown type, payload against the schema) or turned into a row to store. */
function validate(
  deps: IngestDeps,
  items: readonly IngestItem[],
  registered: ReadonlyMap<string, IngestTarget>,
): { results: (IngestResult | null)[]; rows: NewEvent[] } {
  const rows: NewEvent[] = [];
  const now = new Date();
  const results = items.map(({ event: e, payload }): IngestResult | null => {
    if (isOperationalEventType(e.event_type)) {
      const detail: ErrorDetail = { path: 'event_type', message: `'${e.event_type}' is one of Herald's own event types` };
      return { ok: false, error: AppError.unprocessable("Event types herald.* are Herald's own: only Herald emits them.", [detail]) };
    }
    const channels = normalizeChannels(e.channels);
    const badChannels = channelProblems(channels, 'channels');
    if (badChannels.length > 0) return { ok: false, error: AppError.unprocessable('The channels are not acceptable.', badChannels) };
    const badKey = e.ordering_key === undefined ? null : orderingKeyProblem(e.ordering_key);
    if (badKey) return { ok: false, error: AppError.unprocessable('The ordering key is not acceptable.', [{ path: 'ordering_key', message: badKey }]) };
    const eventType = registered.get(e.event_type);
    if (!eventType) {
      const detail: ErrorDetail = { path: 'event_type', message: `unknown event type '${e.event_type}'` };
      return { ok: false, error: AppError.unprocessable(`Unknown event type '${e.event_type}'.`, [detail]) };
    }
    const violations = eventType.schema ? deps.payloadSchemas.validate(eventType.schema, e.payload) : [];
    if (violations.length > 0) {
      return {
        ok: false,
        error: AppError.unprocessable(
          `The payload does not match the schema of '${e.event_type}'.`,
          violations.map((v) => ({ path: v.path ? `payload.${v.path}` : 'payload', message: v.message })),
        ),
      };
    }
    rows.push({
      id: newId('evt'),
      eventType: e.event_type,
      idempotencyKey: e.event_id ?? null,
      payload,
      occurredAt: e.occurred_at ? new Date(e.occurred_at) : null,
      createdAt: now,
      channels,
      orderingKey: e.ordering_key ?? null,
      deliveries: [
        ...eventType.endpoints
          .filter((t) => matchesChannels(t.channels, channels))
          .map((t) => ({ id: newId('dlv'), endpointId: t.id, maxAttempts: t.maxAttempts, orderingKey: deliveryOrderingKey(t.ordering, e.ordering_key) })),
        // Emails go to the event type's subscribers whatever the event's channels (channels scope
        // endpoints); the email delivery still carries them, so the outbox's channel filter finds it.
        // Never ordered: FIFO is a property of an endpoint.
        ...(deps.emailConfigured ? eventType.emails : []).map((recipient) => ({
          id: newId('dlv'),
          endpointId: null,
          recipient,
          maxAttempts: EMAIL_MAX_ATTEMPTS,
          orderingKey: null,
        })),
      ],
    });
    return null;
  });
  return { results, rows };
}

/**
 * The jobs of a stored event: one per delivery, carrying the event when its
 * payload is small enough (webhooks only: an email's first try reads its
 * delivery, which names its recipient). An email goes to its tenant's email queue.
 */
function deliveryJobs(tenantId: string, row: NewEvent): DeliveryJobSpec[] {
  const inline = row.payload.length <= INLINE_PAYLOAD_MAX_CHARS;
  return row.deliveries.map((d) => ({
    deliveryId: d.id,
    tenantId,
    endpointId: d.endpointId ?? tenantId,
    maxAttempts: d.maxAttempts,
    ...(inline && d.endpointId !== null
      ? {
          event: {
            eventId: row.id,
            eventType: row.eventType,
            createdAt: row.createdAt.toISOString(),
            payload: row.payload,
          },
        }
      : {}),
  }));
}
