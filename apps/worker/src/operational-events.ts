import { MicroBatcher, newId, type Logger } from '@herald/core';
import {
  claimFailingNotices,
  claimRecoveries,
  countDeadDeliveries,
  disableEndpoint,
  emitOperationalEvent,
  takeClosedDeadWindows,
  withTransaction,
  type EmittedEvent,
  type OperationalNotice,
  type Queryable,
  type Sql,
} from '@herald/db';
import type { DisabledReason, EndpointFailureRun } from '@herald/delivery';
import type { DeliveryEnqueuer } from '@herald/queue';
import { EMAIL_MAX_ATTEMPTS } from '@herald/schemas';
import type { WorkerMetrics } from './worker-metrics.js';

export interface OperationalEventsOptions {
  sql: Sql;
  enqueuer: DeliveryEnqueuer;
  logger: Logger;
  metrics: WorkerMetrics;
  /** HERALD_ENVIRONMENT, or null. */
  environment: string | null;
  /** Whether HERALD_SMTP_URL is set (no email deliveries are made otherwise). */
  emailConfigured: boolean;
  /** HERALD_DEAD_NOTICE_WINDOW_MS. */
  deadWindowMs: number;
}

// Closed dead-notice windows taken per transaction.
const WINDOWS_PER_SWEEP = 100;

/**
 * Emits Herald's own events into tenants (docs/api.md, "Operational events"),
 * each stored with its deliveries in the same transaction as the change it
 * reports, then enqueued (the reconciler enqueues whatever that enqueue
 * missed): herald.endpoint.disabled with the disabling itself; .failing and
 * .recovered with the claim of their notice on the endpoint (once per
 * failure run); herald.delivery.dead when a window of deaths closes, with
 * its count (at most one per endpoint per HERALD_DEAD_NOTICE_WINDOW_MS).
 */
export class OperationalEvents {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** Deaths of one turn of the event loop, counted in one statement. */
  private readonly deaths = new MicroBatcher<{ tenantId: string; endpointId: string }, void>(async (deaths) => {
    await countDeadDeliveries(
      this.options.sql,
      deaths.map((d) => ({ ...d, count: 1 })),
    );
    return deaths.map(() => undefined);
  });

  constructor(private readonly options: OperationalEventsOptions) {}

  /** Starts closing dead-notice windows as they end. */
  start(): void {
    const every = Math.min(30_000, Math.max(200, Math.round(this.options.deadWindowMs / 4)));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  /**
   * Disables an endpoint (its pending deliveries dead) and emits
   * herald.endpoint.disabled in the same transaction; resolves how many
   * deliveries became dead, or null when it is not a live endpoint.
   */
  async disable(tenantId: string, endpointId: string, reason: DisabledReason): Promise<number | null> {
    const { dead, emitted } = await withTransaction(this.options.sql, async (client) => {
      const dead = await disableEndpoint(client, tenantId, endpointId, reason);
      if (dead === null) return { dead, emitted: [] };
      const event = await this.emit(client, { tenantId, endpointId, eventType: 'herald.endpoint.disabled', details: { reason, deliveries_dead: dead } });
      return { dead, emitted: event ? [event] : [] };
    });
    await this.enqueue(emitted);
    return dead;
  }

  /** Counts a webhook delivery that died with its attempts exhausted (reported when its window closes). */
  countDeath(tenantId: string, endpointId: string): void {
    this.deaths.add({ tenantId, endpointId }).catch((error: unknown) => this.options.logger.warn('counting a dead delivery failed', { endpoint_id: endpointId, error }));
  }

  /** Emits herald.endpoint.failing for runs that crossed HERALD_FAILING_NOTICE_MS (each run once). */
  async failing(runs: EndpointFailureRun[], noticeAfterMs: number): Promise<void> {
    const emitted = await withTransaction(this.options.sql, async (client) => {
      const claimed = await claimFailingNotices(
        client,
        runs.map((r) => r.endpointId),
        noticeAfterMs,
      );
      const events: EmittedEvent[] = [];
      for (const run of claimed) {
        const event = await this.emit(client, {
          tenantId: run.tenantId,
          endpointId: run.endpointId,
          eventType: 'herald.endpoint.failing',
          details: { failing_since: run.firstFailureAt.toISOString() },
        });
        if (event) events.push(event);
      }
      return events;
    });
    await this.enqueue(emitted);
  }

  /** Emits herald.endpoint.recovered for noticed runs a success ended. */
  async recovered(runs: EndpointFailureRun[]): Promise<void> {
    const emitted = await withTransaction(this.options.sql, async (client) => {
      const claimed = await claimRecoveries(
        client,
        runs.map((r) => r.endpointId),
      );
      const events: EmittedEvent[] = [];
      for (const run of claimed) {
        const event = await this.emit(client, {
          tenantId: run.tenantId,
          endpointId: run.endpointId,
          eventType: 'herald.endpoint.recovered',
          details: { failing_since: run.failingSince.toISOString() },
        });
        if (event) events.push(event);
      }
      return events;
    });
    await this.enqueue(emitted);
  }

  /** Closes the dead-notice windows that ended: one herald.delivery.dead each, with its count. Concurrent calls share one sweep. */
  sweep(): Promise<void> {
    const sweeping =
      this.sweeping ??
      this.sweepNow()
        .catch((error: unknown) => {
          this.options.logger.warn('emitting herald.delivery.dead failed; trying again', { error });
        })
        .finally(() => {
          this.sweeping = undefined;
        });
    this.sweeping = sweeping;
    return sweeping;
  }

  private async sweepNow(): Promise<void> {
    for (;;) {
      const { emitted, taken } = await withTransaction(this.options.sql, async (client) => {
        const windows = await takeClosedDeadWindows(client, this.options.deadWindowMs, WINDOWS_PER_SWEEP);
        const events: EmittedEvent[] = [];
        for (const w of windows) {
          const event = await this.emit(client, {
            tenantId: w.tenantId,
            endpointId: w.endpointId,
            eventType: 'herald.delivery.dead',
            details: { count: w.count, window_started_at: w.openedAt.toISOString(), window_ms: this.options.deadWindowMs },
          });
          if (event) events.push(event);
        }
        return { emitted: events, taken: windows.length };
      });
      await this.enqueue(emitted);
      if (taken < WINDOWS_PER_SWEEP) return;
    }
  }

  private async emit(client: Queryable, notice: OperationalNotice): Promise<EmittedEvent | null> {
    const event = await emitOperationalEvent(client, notice, {
      environment: this.options.environment,
      emailConfigured: this.options.emailConfigured,
      emailMaxAttempts: EMAIL_MAX_ATTEMPTS,
      newId,
    });
    if (event) {
      this.options.metrics.operationalEvents.inc({ event_type: notice.eventType });
      this.options.logger.info('operational event', {
        tenant_id: notice.tenantId,
        endpoint_id: notice.endpointId,
        event_type: notice.eventType,
        event_id: event.eventId,
        deliveries: event.deliveries.length,
      });
    }
    return event;
  }

  /** Enqueues committed deliveries; a failure is left to the reconciler (they are pending in PostgreSQL). */
  private async enqueue(events: EmittedEvent[]): Promise<void> {
    const specs = events.flatMap((e) =>
      e.deliveries.map((d) => ({ deliveryId: d.id, tenantId: d.tenantId, endpointId: d.queueOwner, maxAttempts: d.maxAttempts })),
    );
    try {
      await this.options.enqueuer.enqueue(specs);
    } catch (error) {
      this.options.logger.warn('enqueue of operational events failed; the reconciler will pick them up', { deliveries: specs.length, error });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }
}
