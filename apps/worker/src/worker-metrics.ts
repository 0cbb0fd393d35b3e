import { ANSWER_BUCKETS } from '@herald/http';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The worker's Prometheus metrics (docs/operations.md, "Metrics"). */
export interface WorkerMetrics {
  deliveries: Counter<'outcome' | 'kind'>;
  attemptDuration: Histogram<'result' | 'kind'>;
  ingestToDelivery: Histogram<'kind'>;
  queueWait: Histogram<'kind'>;
  deadLetters: Counter<'reason' | 'kind'>;
  /** Operational events emitted, by type. */
  operationalEvents: Counter<'event_type'>;
  prunedRows: Counter<'table'>;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Registers the worker's metrics; gauges read their values when scraped. */
export function createWorkerMetrics(
  registry: Registry,
  sources: {
    inFlight: () => number;
    backlog: () => Promise<{ ready: number; scheduled: number }>;
    /** When the oldest stored event was created (null: none). */
    oldestRetainedAt: () => Promise<Date | null>;
  },
): WorkerMetrics {
  new Gauge({
    name: 'herald_deliveries_in_flight',
    help: 'Deliveries this worker process is running now (at most HERALD_WORKER_SLOTS).',
    registers: [registry],
    collect() {
      this.set(sources.inFlight());
    },
  });
  new Gauge({
    name: 'herald_endpoints_waiting',
    help: 'Endpoints with work, fleet-wide: ready (jobs to try now) or scheduled (a retry or a rate limit due later).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { ready, scheduled } = await sources.backlog();
      this.set({ state: 'ready' }, ready);
      this.set({ state: 'scheduled' }, scheduled);
    },
  });
  new Gauge({
    name: 'herald_retention_oldest_row_age_seconds',
    help: 'Age of the oldest event still stored (every delivery and attempt belongs to one and is no older), 0 when none; the same from every worker process.',
    registers: [registry],
    async collect() {
      try {
        const at = await sources.oldestRetainedAt();
        this.set(at ? Math.max(0, (Date.now() - at.getTime()) / 1000) : 0);
      } catch {
        // PostgreSQL away: keep the last value rather than fail the whole scrape (/readyz reports it).
      }
    },
  });
  return {
    deliveries: new Counter({
      name: 'herald_deliveries_total',
      help: 'Delivery jobs by outcome (delivered, retry, dead, cancelled, skipped) and kind (webhook, email).',
      labelNames: ['outcome', 'kind'],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'herald_attempt_duration_seconds',
      help: 'Duration of one attempt (an HTTP POST or an SMTP send), by result (succeeded or failed) and kind (webhook, email).',
      labelNames: ['result', 'kind'],
      buckets: SECONDS,
      registers: [registry],
    }),
    ingestToDelivery: new Histogram({
      name: 'herald_ingest_to_delivery_seconds',
      help: 'From an event being stored to its successful delivery, by kind (webhook, email).',
      labelNames: ['kind'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86400],
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: 'herald_delivery_queue_wait_seconds',
      help: "From a delivery's job being queued (or due, when queued with a delay) to a worker starting its first try, by kind (webhook, email).",
      labelNames: ['kind'],
      // Fine below 100 ms, where a worker keeping up answers; up to an hour for a backlog.
      buckets: [...ANSWER_BUCKETS, 30, 60, 300, 900, 3600],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'herald_dead_letters_total',
      help: 'Deliveries the worker made dead, by reason: attempts_exhausted, gone, blocked, smtp_rejected, endpoint_disabled (pending ones when it disabled their endpoint, or found it disabled); and kind (webhook, email).',
      labelNames: ['reason', 'kind'],
      registers: [registry],
    }),
    operationalEvents: new Counter({
      name: 'herald_operational_events_total',
      help: "Herald's own events emitted into tenants, by event_type (herald.endpoint.disabled, .failing, .recovered, herald.delivery.dead).",
      labelNames: ['event_type'],
      registers: [registry],
    }),
    prunedRows: new Counter({
      name: 'herald_retention_pruned_rows_total',
      help: 'Rows retention removed, by table (events, deliveries, attempts); counted by the worker process that ran the pass.',
      labelNames: ['table'],
      registers: [registry],
    }),
  };
}
