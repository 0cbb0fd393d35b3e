import { ConfigError, parseEnv } from '@herald/core';
import { retryWindowMs } from '@herald/delivery';
import { MAX_ATTEMPTS_LIMIT } from '@herald/schemas';

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
  'HERALD_SMTP_URL',
  'HERALD_EMAIL_FROM',
  'HERALD_FAILING_NOTICE_MS',
  'HERALD_DEAD_NOTICE_WINDOW_MS',
  'HERALD_RETENTION_DAYS',
  'HERALD_DEAD_RETENTION_DAYS',
  'HERALD_RETENTION_INTERVAL_MS',
  'HERALD_ATTEMPT_BODY_MAX_BYTES',
  'LOG_LEVEL',
] as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The worker's configuration, parsed once at start. */
export type WorkerConfig = ReturnType<typeof parseWorkerConfig>;

/**
 * Parses the worker's variables, then the rule that spans two of them: a
 * dead delivery must be kept at least as long as a delivery may retry
 * (packages/delivery retryWindowMs), or on-call could lose dead letters
 * faster than the retry schedule makes them. Throws ConfigError (one line).
 */
export function parseWorkerConfig(env: Record<string, string | undefined>) {
  const config = parseEnv(KEYS, env);
  const window = retryWindowMs({ baseMs: config.HERALD_RETRY_BASE_MS, maxDelayMs: config.HERALD_RETRY_MAX_DELAY_MS });
  if (config.HERALD_DEAD_RETENTION_DAYS * DAY_MS < window) {
    throw new ConfigError(
      `Invalid configuration: HERALD_DEAD_RETENTION_DAYS (${config.HERALD_DEAD_RETENTION_DAYS}) is shorter than the retry window ` +
        `(${(window / DAY_MS).toFixed(1)} days: ${MAX_ATTEMPTS_LIMIT} attempts with waits up to HERALD_RETRY_MAX_DELAY_MS); set it to at least ${Math.ceil(window / DAY_MS)}`,
    );
  }
  return config;
}
