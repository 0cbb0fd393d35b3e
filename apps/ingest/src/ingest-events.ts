import { AppError, newId, type ErrorDetail, type Logger } from '@herald/core';
import { findIngestTargets, insertEvents, type NewEvent, type Sql } from '@herald/db';
import type { PayloadSchemas } from '@herald/json-schema';
import type { DeliveryEnqueuer } from '@herald/queue';
import type { EventAcceptedOut, EventIn } from '@herald/schemas';

export interface IngestDeps {
  sql: Sql;
  enqueuer: DeliveryEnqueuer;
  logger: Logger;
  schemaVersion: string;
  payloadSchemas: PayloadSchemas;
  /** Told of every result (for metrics). */
  onResults?: (results: readonly IngestResult[]) => void;
}

/** Each event's result: accepted, or refused with the API.md error shape. */
export type IngestResult = { ok: true; value: EventAcceptedOut } | { ok: false; error: AppError };

/**
 * Ingests valid events: refuses unregistered types, commits each event and
 * its deliveries to PostgreSQL (one statement), and only after that commit
 * puts the delivery jobs into their endpoints' queues.
 */
export async function ingestEvents(deps: IngestDeps, tenantId: string, events: readonly EventIn[]): Promise<IngestResult[]> {
  const { sql } = deps;
  const registered = await findIngestTargets(sql, tenantId, [...new Set(events.map((e) => e.event_type))]);

  const results: (IngestResult | null)[] = events.map((e) => {
    const eventType = registered.get(e.event_type);
    if (!eventType) {
      const detail: ErrorDetail = { path: 'event_type', message: `unknown event type '${e.event_type}'` };
      return { ok: false, error: AppError.unprocessable(`Unknown event type '${e.event_type}'.`, [detail]) };
    }
    const violations = eventType.schema ? deps.payloadSchemas.validate(eventType.schema, e.payload) : [];
    if (violations.length === 0) return null;
    return {
      ok: false,
      error: AppError.unprocessable(
        `The payload does not match the schema of '${e.event_type}'.`,
        violations.map((v) => ({ path: v.path ? `payload.${v.path}` : 'payload', message: v.message })),
      ),
    };
  });
  const rows: NewEvent[] = [];
  const rowIndex: number[] = [];
  events.forEach((e, i) => {
    if (results[i]) return;
    rows.push({
      id: newId('evt'),
      eventType: e.event_type,
      idempotencyKey: e.event_id ?? null,
      payload: JSON.stringify(e.payload),
      occurredAt: e.occurred_at ? new Date(e.occurred_at) : null,
      deliveries: registered.get(e.event_type)!.endpoints.map((t) => ({ id: newId('dlv'), endpointId: t.id, maxAttempts: t.maxAttempts })),
    });
    rowIndex.push(i);
  });

  const stored = await insertEvents(sql, tenantId, deps.schemaVersion, rows);
  const jobs = stored.flatMap((s) =>
    s.status === 'inserted'
      ? s.deliveries.map((d) => ({ deliveryId: d.id, tenantId, endpointId: d.endpointId, maxAttempts: d.maxAttempts }))
      : [],
  );
  try {
    await deps.enqueuer.enqueue(jobs);
  } catch (error) {
    // Committed is what counts: the worker's reconciler enqueues pending deliveries Redis lost.
    deps.logger.warn('enqueue after commit failed; the reconciler will pick these up', {
      tenant_id: tenantId,
      deliveries: jobs.length,
      error,
    });
  }

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
