import type { Logger } from '@herald/core';
import { writeAttemptBatch, type AttemptRecord, type EndpointFailureRun, type Sql } from '@herald/db';

export interface AttemptWriterOptions {
  sql: Sql;
  logger: Logger;
  /** Most attempts written in one statement. */
  maxRows?: number;
  /** Told of each endpoint's failure run after every batch (the endpoint-health module). */
  onFailureRuns?: (runs: EndpointFailureRun[]) => Promise<void>;
}

interface Pending {
  record: AttemptRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes attempt records in batches by group commit: when nothing is being
 * written, what arrived in this tick goes at once; while a batch is being
 * written, new records gather and go together next (up to `maxRows` per
 * statement). Idle, an attempt waits for no timer; busy, hundreds share one
 * round trip. `record()` resolves once its batch is committed, so a job only
 * completes after its attempt is durable.
 */
export class AttemptWriter {
  private buffer: Pending[] = [];
  private writing: Promise<void> | null = null;
  private scheduled = false;
  private readonly maxRows: number;

  constructor(private readonly options: AttemptWriterOptions) {
    this.maxRows = options.maxRows ?? 100;
  }

  record(record: AttemptRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.buffer.push({ record, resolve, reject });
      if (!this.writing && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.drain();
        });
      }
    });
  }

  /** Resolves once everything recorded so far is written. */
  async flush(): Promise<void> {
    while (this.writing || this.buffer.length > 0) await (this.writing ?? this.drain());
  }

  private drain(): Promise<void> {
    this.writing ??= (async () => {
      while (this.buffer.length > 0) {
        const batch = this.buffer.splice(0, this.maxRows);
        await this.write(batch);
      }
    })().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async write(batch: Pending[]): Promise<void> {
    let runs: EndpointFailureRun[];
    try {
      runs = await writeAttemptBatch(
        this.options.sql,
        batch.map((p) => p.record),
      );
    } catch (error) {
      // The jobs fail and BullMQ retries them; their attempts are recorded then.
      for (const p of batch) p.reject(error);
      return;
    }
    for (const p of batch) p.resolve();
    await this.options.onFailureRuns?.(runs).catch((error: unknown) => {
      this.options.logger.warn('endpoint health check failed', { error });
    });
  }
}
