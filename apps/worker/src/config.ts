import { parseEnv } from '@herald/core';

const KEYS = [
  'DATABASE_URL',
  'REDIS_URL',
  'HERALD_REDIS_PREFIX',
  'HERALD_WORKER_PORT',
  'HERALD_ALLOW_HTTP',
  'HERALD_OUTBOUND_ALLOWLIST',
  'HERALD_RETRY_BASE_MS',
  'HERALD_RETRY_MAX_DELAY_MS',
  'HERALD_DISABLE_AFTER_MS',
  'HERALD_HEADER_PREFIX',
  'HERALD_ENCRYPTION_KEY',
  'HERALD_WORKER_CONCURRENCY',
  'HERALD_RECONCILE_INTERVAL_MS',
  'HERALD_JOB_LOCK_MS',
  'HERALD_FIFO_RECHECK_MS',
  'HERALD_WORKER_SLOTS',
  'HERALD_WORKER_LEASE_MS',
  'HERALD_SCHEMA_VERSION',
  'HERALD_ENVIRONMENT',
  'LOG_LEVEL',
] as const;

/** The worker's configuration, parsed once at start. */
export type WorkerConfig = ReturnType<typeof parseWorkerConfig>;

export function parseWorkerConfig(env: Record<string, string | undefined>) {
  return parseEnv(KEYS, env);
}
