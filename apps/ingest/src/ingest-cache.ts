import { findActiveApiKeyByDigest, findIngestTargets, isApiKeyActive, touchApiKeyIfDue, type ActiveApiKey, type IngestTarget, type Sql } from '@herald/db';

/** Event types and fan-out targets of one tenant, all read at one `config_version`. */
interface TenantView {
  version: string;
  /** Registered types with their targets; null for a name known not to be registered. */
  types: Map<string, IngestTarget | null>;
}

/** What ingest needs of some event types: the version they were read at, and the registered ones. */
export interface IngestView {
  version: string;
  targets: ReadonlyMap<string, IngestTarget>;
}

export interface IngestCacheOptions {
  sql: Sql;
  /** Most keys and most tenants held; the oldest entry goes first. */
  maxEntries?: number;
}

/** Deletes the oldest entries of a Map (insertion order) until it has room for one more. */
function makeRoom<K, V>(map: Map<K, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size < max) return;
    map.delete(key);
  }
}

/**
 * Ingest's memory of API keys and of each tenant's event types and fan-out
 * targets, so a request needs one statement (the insert) instead of three.
 *
 * Nothing here is trusted on its own: the insert re-checks, in the same
 * statement, that the key is still active and that the tenant's
 * `config_version` (moved by triggers on every change to keys, event types and
 * endpoints) is still the one the view was read at. When it is not, the caller
 * forgets what it used and asks again (see ingest-events.ts).
 */
export class IngestCache {
  private readonly sql: Sql;
  private readonly maxEntries: number;
  private readonly keys = new Map<string, ActiveApiKey>();
  private readonly tenants = new Map<string, TenantView>();

  constructor({ sql, maxEntries = 10_000 }: IngestCacheOptions) {
    this.sql = sql;
    this.maxEntries = maxEntries;
  }

  /** The active key with this digest (remembered once found; unknown digests are asked for every time). */
  async findKey(digest: string): Promise<ActiveApiKey | null> {
    const known = this.keys.get(digest);
    if (known) {
      touchApiKeyIfDue(this.sql, known);
      return known;
    }
    const found = await findActiveApiKeyByDigest(this.sql, digest);
    if (found) {
      makeRoom(this.keys, this.maxEntries);
      this.keys.set(digest, found);
    }
    return found;
  }

  /**
   * Whether a key is still active, asked of PostgreSQL (a revoked one is
   * forgotten). For the requests refused before the insert, which is where
   * the key is otherwise re-checked.
   */
  async confirmKey(keyId: string): Promise<boolean> {
    const active = await isApiKeyActive(this.sql, keyId);
    if (!active) this.forgetKey(keyId);
    return active;
  }

  /** Forgets a key (found revoked). */
  forgetKey(keyId: string): void {
    for (const [digest, key] of this.keys) if (key.id === keyId) this.keys.delete(digest);
  }

  /**
   * The tenant's view of these event types, all at one version: from memory
   * when every name is known, else all of them read again in one query.
   */
  async view(tenantId: string, names: readonly string[]): Promise<IngestView> {
    let view = this.tenants.get(tenantId);
    if (!view || names.some((n) => !view!.types.has(n))) {
      const loaded = await findIngestTargets(this.sql, tenantId, names);
      if (loaded.version === null) return { version: '-1', targets: new Map() }; // no such tenant: the guard fails
      if (view?.version !== loaded.version) {
        makeRoom(this.tenants, this.maxEntries);
        view = { version: loaded.version, types: new Map() };
        this.tenants.set(tenantId, view);
      }
      for (const n of names) view.types.set(n, loaded.targets.get(n) ?? null);
    }
    const targets = new Map<string, IngestTarget>();
    for (const n of names) {
      const target = view.types.get(n);
      if (target) targets.set(n, target);
    }
    return { version: view.version, targets };
  }

  /** Forgets what is known of a tenant's event types and targets (found stale). */
  forgetTenant(tenantId: string): void {
    this.tenants.delete(tenantId);
  }
}
