import type { Logger } from '@herald/core';
import { writeAttemptBatch, type AttemptRecord, type EndpointFailureRun, type PrismaClient } from '@herald/db';

export interface AttemptWriterOptions {
  db: PrismaClient;
  logger: Logger;
  /** Flush once this many attempts wait... */
  maxRows?: number;
  /** ...or once the oldest has waited this long. */
  maxWaitMs?: number;
  /** Told of each endpoint's failure run after every flush (the endpoint-health module). */
  onFailureRuns?: (runs: EndpointFailureRun[]) => Promise<void>;
}

interface Pending {
  record: AttemptRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Buffers attempt records and writes them in batches (~100 rows or ~100 ms),
 * one statement per batch. `record()` resolves once its batch is committed,
 * so a job only completes after its attempt is durable.
 */
export class AttemptWriter {
  private buffer: Pending[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxRows: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: AttemptWriterOptions) {
    this.maxRows = options.maxRows ?? 100;
    this.maxWaitMs = options.maxWaitMs ?? 100;
  }

  record(record: AttemptRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.buffer.push({ record, resolve, reject });
      if (this.buffer.length >= this.maxRows) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.maxWaitMs);
    });
  }

  /** Writes what is buffered now (batches are written one after another). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      const runs = await writeAttemptBatch(
        this.options.db,
        batch.map((p) => p.record),
      );
      for (const p of batch) p.resolve();
      await this.options.onFailureRuns?.(runs).catch((error: unknown) =>
        this.options.logger.warn('endpoint health check failed', { error }),
      );
    } catch (error) {
      // The jobs fail and BullMQ retries them; their attempts are recorded then.
      for (const p of batch) p.reject(error);
    }
  }
}
