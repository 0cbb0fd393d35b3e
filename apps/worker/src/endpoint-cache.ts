import { MicroBatcher, type Logger } from '@herald/core';
import { loadDeliveryEndpoints, type DeliveryEndpoint, type Sql } from '@herald/db';

export interface EndpointCacheOptions {
  sql: Sql;
  logger: Logger;
  /** How often every cached endpoint is read again (one query for all): the longest a missed change notice can go unseen. */
  refreshMs?: number;
  /** An endpoint not asked for in this long is dropped. */
  evictAfterMs?: number;
}

// Endpoints whose forget count is remembered; beyond this many the memory starts afresh.
const MAX_FORGOTTEN = 100_000;

interface Entry {
  endpoint: DeliveryEndpoint | null;
  usedAt: number;
}

/**
 * The endpoints first attempts are sent to, kept in memory so a job that
 * carries its event needs no query before sending. Kept current three ways:
 * the api announces every endpoint change (EndpointWorkers calls `forget`),
 * the worker forgets an endpoint it disables, and every `refreshMs` all cached
 * endpoints are read again in one query, so a lost announcement is outlived
 * by at most that long. Misses in the same turn of the event loop share one query.
 */
export class EndpointCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loads: MicroBatcher<string, DeliveryEndpoint | null>;
  private readonly timer: NodeJS.Timeout;
  private readonly evictAfterMs: number;
  /** How often each endpoint was forgotten: a read that started before its last `forget` may be stale and is not kept. */
  private readonly forgotten = new Map<string, number>();

  constructor(private readonly options: EndpointCacheOptions) {
    this.evictAfterMs = options.evictAfterMs ?? 60_000;
    this.loads = new MicroBatcher(async (ids: string[]) => {
      const found = await loadDeliveryEndpoints(options.sql, ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    this.timer = setInterval(() => void this.refresh(), options.refreshMs ?? 2000);
    this.timer.unref();
  }

  /** The endpoint, if it exists and belongs to this tenant (deleted and disabled ones included). */
  async get(tenantId: string, endpointId: string): Promise<DeliveryEndpoint | null> {
    const endpoint = await this.read(endpointId);
    return endpoint?.tenantId === tenantId ? endpoint : null;
  }

  /**
   * The endpoint's rate limit (per second), or null, for the Worker about to
   * consume its queue. Not tenant-scoped: the worker knows only the queue's
   * endpoint id, and the answer is one number, never tenant data.
   */
  async rateLimitOf(endpointId: string): Promise<number | null> {
    return (await this.read(endpointId))?.rateLimitPerSecond ?? null;
  }

  private async read(endpointId: string): Promise<DeliveryEndpoint | null> {
    let entry = this.entries.get(endpointId);
    while (!entry) {
      const before = this.forgotten.get(endpointId);
      const endpoint = await this.loads.add(endpointId);
      if (this.forgotten.get(endpointId) !== before) continue; // it changed while being read: read again
      entry = this.entries.get(endpointId) ?? { endpoint, usedAt: 0 };
      this.entries.set(endpointId, entry);
    }
    entry.usedAt = Date.now();
    return entry.endpoint;
  }

  /** Drops what is known of an endpoint (it changed); the next attempt reads it again. */
  forget(endpointId: string): void {
    if (this.forgotten.size >= MAX_FORGOTTEN) this.forgotten.clear(); // a read in progress then reads again: harmless
    this.forgotten.set(endpointId, (this.forgotten.get(endpointId) ?? 0) + 1);
    this.entries.delete(endpointId);
  }

  /** Reads every cached endpoint again, and drops the ones not used lately. */
  async refresh(): Promise<void> {
    const now = Date.now();
    for (const [id, entry] of this.entries) if (now - entry.usedAt > this.evictAfterMs) this.entries.delete(id);
    const ids = [...this.entries.keys()];
    if (ids.length === 0) return;
    const read = new Map(ids.map((id) => [id, this.entries.get(id)]));
    try {
      const found = await loadDeliveryEndpoints(this.options.sql, ids);
      for (const id of ids) {
        // An entry forgotten meanwhile is gone or was read again since: this read may be older, leave it.
        const entry = this.entries.get(id);
        if (entry !== read.get(id)) continue;
        if (entry) entry.endpoint = found.get(id) ?? null;
      }
    } catch (error) {
      // Unverified entries must not outlive the refresh interval: start over from PostgreSQL.
      this.entries.clear();
      this.options.logger.warn('refreshing cached endpoints failed; they will be read again', { error });
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
