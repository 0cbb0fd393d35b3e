import { loadDeliveryContexts, type DeliveryContext, type Sql } from '@herald/db';

interface Waiting {
  tenantId: string;
  deliveryId: string;
  resolve: (context: DeliveryContext | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Loads delivery contexts in batches: the jobs that start in the same turn of
 * the event loop (BullMQ hands a Worker's free slots their jobs together, and
 * many endpoints' Workers run at once) share one query instead of one each.
 */
export class DeliveryContextLoader {
  private waiting: Waiting[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly maxBatch = 100,
  ) {}

  /** The delivery's context, or null when this tenant has no such delivery. */
  load(tenantId: string, deliveryId: string): Promise<DeliveryContext | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ tenantId, deliveryId, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.flush();
      else if (this.waiting.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    loadDeliveryContexts(this.sql, batch).then(
      (contexts) => {
        for (const w of batch) w.resolve(contexts.get(w.deliveryId) ?? null);
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  }
}
