import { isDependencyDown, type Logger } from '@herald/core';
import { updateEndpointOutcomes, writeAttempts, type AttemptRecord, type EndpointOutcome, type Sql } from '@herald/db';
import type { EndpointFailureRun } from '@herald/delivery';

export interface AttemptWriterOptions {
  sql: Sql;
  logger: Logger;
  /** Most attempts written in one statement. */
  maxRows?: number;
  /** Most attempt statements in flight at once. */
  maxInFlight?: number;
  /** How long an attempt no job waits for may wait for others to share its statement (default LINGER_MS). */
  lingerMs?: number;
  /** Told of each endpoint's failure run after its outcome was written (the endpoint-health module). */
  onFailureRuns?: (runs: EndpointFailureRun[]) => Promise<void>;
  /**
   * How long a statement is retried while PostgreSQL is unreachable before
   * its jobs fail (and BullMQ retries them, sending again).
   */
  retryForMs?: number;
}

interface Pending {
  record: AttemptRecord;
  /** Whether a job waits for this commit (see record()). */
  urgent: boolean;
  /** When it was recorded (performance.now()). */
  at: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A committed attempt, as its endpoint's outcome needs it. */
interface Settled {
  tenantId: string;
  at: number;
  status: string;
  ok: boolean;
  responseStatus: number | null;
}

// Endpoints whose newest written attempt time is remembered; beyond this many the memory starts afresh.
const MAX_REMEMBERED = 100_000;
/** Most attempt statements in flight at once, unless told (the worker's attempt pool has one connection more, for the outcomes). */
export const ATTEMPT_STATEMENTS_IN_FLIGHT = 2;
// A second attempt statement starts only when this many records wait; fewer wait for the one in flight
// (every commit is a WAL flush that ingest's commits queue behind).
const PARALLEL_FROM_ROWS = 10;
// Attempts no job waits for (record(…, { urgent: false })) gather up to this long for a statement when nothing else
// starts one: at a steady rate each attempt was a statement and a WAL flush of its own.
const LINGER_MS = 20;
// Endpoint outcomes are written at most this often: they are off the jobs' path, so few large statements beat many small ones.
const OUTCOME_INTERVAL_MS = 100;
// Waits between tries of a statement while PostgreSQL is unreachable: doubling from the first to the last.
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2_000;

/**
 * Writes attempt records by group commit: what arrives while a statement runs
 * gathers and goes together next (up to `maxRows` per statement); when many
 * wait, up to `maxInFlight` statements run at once. `record()` resolves once
 * its attempt and its delivery's new state are committed; a job completes
 * after that or, delivered, once its delivery is listed as unrecorded
 * (unrecorded.ts), which vouches for it until then. Such an attempt, which no
 * job waits for, may wait up to LINGER_MS for others to share its statement. While PostgreSQL is unreachable a
 * statement is tried again (for up to `retryForMs`) rather than failing its
 * jobs: a failed job is retried by BullMQ with a new request, so a receiver
 * that already answered 2xx would get the event again and the attempt log
 * would miss the first request. The statement is idempotent (attempt ids are
 * fixed; deliveries move only while pending), so a try whose commit was only
 * cut off on its way back is harmless.
 *
 * Each endpoint's `last_delivery_*` and failure run are written after, at most
 * every OUTCOME_INTERVAL_MS, by a single writer that takes everything
 * committed meanwhile (one statement), so jobs never wait on the endpoint's
 * row and attempt statements never contend for it. Attempts older than one
 * already written for their endpoint are left out of its outcome (statements
 * in flight together may commit out of order).
 */
export class AttemptWriter {
  private buffer: Pending[] = [];
  /** Buffered records a job waits for. */
  private urgent = 0;
  private inFlight = new Set<Promise<void>>();
  private scheduled = false;
  private lingerTimer?: NodeJS.Timeout;
  private readonly maxRows: number;
  private readonly maxInFlight: number;
  private readonly lingerMs: number;
  /** Committed attempts whose endpoint outcome is not written yet, per endpoint. */
  private settled = new Map<string, Settled[]>();
  private outcomes: Promise<void> | null = null;
  /** Per endpoint, the newest attempt time already written to its row. */
  private readonly writtenAt = new Map<string, number>();

  constructor(private readonly options: AttemptWriterOptions) {
    this.maxRows = options.maxRows ?? 100;
    this.maxInFlight = options.maxInFlight ?? ATTEMPT_STATEMENTS_IN_FLIGHT;
    this.lingerMs = options.lingerMs ?? LINGER_MS;
  }

  /**
   * Writes the attempt; resolves once committed. `urgent: false` says no job
   * waits for it (a delivered job already let go), so it may linger.
   */
  record(record: AttemptRecord, { urgent = true }: { urgent?: boolean } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.buffer.push({ record, urgent, at: performance.now(), resolve, reject });
      if (urgent) this.urgent++;
      if (!this.scheduled && this.canStart()) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Resolves once everything recorded so far, and its endpoints' outcomes, is written. */
  async flush(): Promise<void> {
    for (;;) {
      this.pump(true);
      if (this.inFlight.size > 0) await Promise.race(this.inFlight);
      else if (this.outcomes) await this.outcomes;
      else if (this.settled.size > 0) this.writeOutcomes();
      else if (this.buffer.length === 0) return;
    }
  }

  /** Whether another statement may start: none is running, or enough records wait for a parallel one. */
  private canStart(): boolean {
    return this.inFlight.size === 0 || (this.inFlight.size < this.maxInFlight && this.buffer.length >= PARALLEL_FROM_ROWS);
  }

  /**
   * Whether the buffer should go now: a job waits for one of its records, a
   * full statement's worth gathered, or the oldest lingered long enough;
   * otherwise a timer pumps when it has. Lingering records do not go at
   * PARALLEL_FROM_ROWS: while a worker drains a backlog they arrive faster
   * than statements commit, and each commit then held ~10 of them.
   */
  private due(): boolean {
    if (this.urgent > 0 || this.buffer.length >= this.maxRows) return true;
    const wait = this.buffer[0]!.at + this.lingerMs - performance.now();
    if (wait <= 0) return true;
    this.lingerTimer ??= setTimeout(() => {
      this.lingerTimer = undefined;
      this.pump();
    }, wait);
    return false;
  }

  /** Starts attempt statements while there is room and something due to write (anything, with `all`). */
  private pump(all = false): void {
    while (this.buffer.length > 0 && this.canStart() && (all || this.due())) {
      const batch = this.buffer.splice(0, this.maxRows);
      for (const p of batch) if (p.urgent) this.urgent--;
      const writing: Promise<void> = this.write(batch).finally(() => {
        this.inFlight.delete(writing);
        this.pump();
      });
      this.inFlight.add(writing);
    }
    // Nothing left to linger: a timer set for records since taken would only hold the process open.
    if (this.buffer.length === 0 && this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      await this.writeWithRetries(batch.map((p) => p.record));
    } catch (error) {
      // The jobs fail and BullMQ retries them; their attempts are recorded then.
      for (const p of batch) p.reject(error);
      return;
    }
    for (const { record } of batch) {
      const { attempt } = record;
      // An email attempt has no endpoint: its outcome moves no endpoint's health.
      if (attempt.endpointId === null) continue;
      const list = this.settled.get(attempt.endpointId) ?? [];
      list.push({
        tenantId: record.tenantId,
        at: attempt.createdAt.getTime(),
        status: attempt.status,
        ok: attempt.status === 'succeeded',
        responseStatus: attempt.responseStatus,
      });
      this.settled.set(attempt.endpointId, list);
    }
    for (const p of batch) p.resolve();
    this.writeOutcomes();
  }

  /** One statement, tried again while PostgreSQL is unreachable, for up to `retryForMs`. */
  private async writeWithRetries(records: AttemptRecord[]): Promise<void> {
    const giveUpAt = Date.now() + (this.options.retryForMs ?? 60_000);
    for (let wait = RETRY_FIRST_MS; ; wait = Math.min(2 * wait, RETRY_MAX_MS)) {
      try {
        await writeAttempts(this.options.sql, records);
        return;
      } catch (error) {
        if (!isDependencyDown(error) || Date.now() + wait > giveUpAt) throw error;
        this.options.logger.warn('writing attempts failed; trying again', { attempts: records.length, retry_in_ms: wait, error });
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Writes the endpoints' outcomes of everything committed so far, unless a write of them is running (it runs again after). */
  private writeOutcomes(): void {
    if (this.outcomes || this.settled.size === 0) return;
    const settled = this.settled;
    this.settled = new Map();
    this.outcomes = (async () => {
      const outcomes = this.outcomesOf(settled);
      try {
        const runs = await updateEndpointOutcomes(this.options.sql, outcomes);
        await this.options.onFailureRuns?.(runs);
      } catch (error) {
        this.options.logger.warn("writing endpoints' last delivery and failure run failed", { error });
      }
      await new Promise((resolve) => setTimeout(resolve, OUTCOME_INTERVAL_MS).unref());
    })().finally(() => {
      this.outcomes = null;
      this.writeOutcomes();
    });
  }

  /** Per endpoint: its newest attempt, and the first failure after its last success. */
  private outcomesOf(settled: Map<string, Settled[]>): EndpointOutcome[] {
    if (this.writtenAt.size > MAX_REMEMBERED) this.writtenAt.clear();
    const outcomes: EndpointOutcome[] = [];
    for (const [endpointId, list] of settled) {
      const after = this.writtenAt.get(endpointId) ?? -Infinity;
      const fresh = list.filter((s) => s.at > after).sort((x, y) => x.at - y.at);
      const newest = fresh.at(-1);
      if (!newest) continue;
      let firstFailed: number | null = null;
      for (const s of fresh) firstFailed = s.ok ? null : (firstFailed ?? s.at);
      this.writtenAt.set(endpointId, newest.at);
      outcomes.push({
        endpointId,
        tenantId: newest.tenantId,
        at: new Date(newest.at),
        status: newest.status,
        ok: newest.ok,
        responseStatus: newest.responseStatus,
        firstFailed: firstFailed === null ? null : new Date(firstFailed),
      });
    }
    return outcomes;
  }
}
