import { newId } from '@herald/core';
import { findEndpoint, insertBackfillDeliveries, scanBackfillCandidates, type BackfillCandidate } from '@herald/db';
import { deliveryOrderingKey, DRY_RUN_SAMPLE, matchesChannels, matchesEventType, TEST_EVENT_TYPE, type BackfillIn, type BackfillOut } from '@herald/schemas';
import { bestEffort } from '../best-effort.js';
import type { ApiDeps } from '../deps.js';

// Events read (and deliveries written) per round.
const BATCH = 1_000;

/** What became of a backfill. */
export type BackfillOutcome =
  | { outcome: 'done'; answer: BackfillOut }
  | { outcome: 'not_found' }
  | { outcome: 'endpoint_disabled' };

/**
 * Creates deliveries to one endpoint for the past events it would receive if
 * they were sent now: its event filters and channels as they are now, by
 * the same rule as ingest (matchesEventType, matchesChannels). Each is a new
 * pending delivery, queued at once. An event the endpoint already has a
 * delivery for is left alone, so a second run creates nothing. Test sends
 * (`webhook.test`) belong to the endpoint they tested and are never
 * backfilled, nor is an operational event (herald.*) to the endpoint it is
 * about. Backfill makes webhook deliveries only: emails are never
 * backfilled. With `dry_run` it counts and shows the first events, changing
 * nothing.
 */
export async function backfillEndpoint(deps: ApiDeps, tenantId: string, endpointId: string, input: BackfillIn): Promise<BackfillOutcome> {
  const endpoint = await findEndpoint(deps.db, tenantId, endpointId);
  if (!endpoint) return { outcome: 'not_found' };
  if (!endpoint.enabled) return { outcome: 'endpoint_disabled' };
  // Ingest's rule, and the operational events' one: never an event about the endpoint itself.
  const receives = (e: BackfillCandidate) =>
    e.eventType !== TEST_EVENT_TYPE &&
    e.aboutEndpointId !== endpointId &&
    matchesEventType(endpoint.events, e.eventType) &&
    matchesChannels(endpoint.channels, e.channels);
  const since = new Date(input.since);
  const until = input.until ? new Date(input.until) : new Date();
  const sample: BackfillCandidate[] = [];
  let count = 0;
  let afterId: string | null = null;
  for (;;) {
    const batch = await scanBackfillCandidates(deps.sql, tenantId, endpointId, { since, until, afterId, limit: BATCH });
    if (batch.length === 0) break;
    afterId = batch[batch.length - 1]!.id;
    const events = batch.filter(receives);
    if (input.dry_run) {
      count += events.length;
      sample.push(...events.slice(0, DRY_RUN_SAMPLE - sample.length));
    } else {
      const created = await insertBackfillDeliveries(
        deps.sql,
        tenantId,
        endpointId,
        events.map((e) => ({ id: newId('dlv'), eventId: e.id, orderingKey: deliveryOrderingKey(endpoint.ordering, e.orderingKey) })),
      );
      count += created.length;
      // Committed pending: if Redis does not take them now, the reconciler does.
      await bestEffort(deps, 'queueing backfilled deliveries', { deliveries: created.length }, () =>
        deps.enqueuer.enqueue(created.map((d) => ({ deliveryId: d.id, tenantId, endpointId, maxAttempts: d.maxAttempts }))),
      );
    }
    if (batch.length < BATCH) break;
  }
  const events = sample.map((e) => ({ event_id: e.id, event_type: e.eventType, channels: e.channels, created_at: e.createdAt.toISOString() }));
  return { outcome: 'done', answer: { dry_run: input.dry_run, count, events } };
}
