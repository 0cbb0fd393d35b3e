import { existsSync } from 'node:fs';
import { z } from 'zod';
import { parseEncryptionKey } from './secrets.js';

const isEncryptionKey = (value: string) => {
  try {
    parseEncryptionKey(value);
    return true;
  } catch {
    return false;
  }
};

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveMs = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const days = (fallback: number) =>
  z.coerce.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1 (day)').max(36_500).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/**
 * Every environment variable (docs/operations.md, "Configuration"), with its default. Each service picks the ones it needs, so a
 * service never refuses to start over a variable it does not use.
 */
export const EnvSchema = z.object({
  DATABASE_URL: z.url().default('postgresql://postgres@127.0.0.1:5432/herald'),
  REDIS_URL: z
    .string()
    .regex(
      /^(rediss?:\/\/\S+|rediss?-cluster:\/\/([^@\s/]*@)?[^\s/,]+:\d+(,[^\s/,]+:\d+)*\/?)$/,
      'must be redis://host:port (or rediss://), or redis-cluster://host:port,host:port for a Redis Cluster',
    )
    .default('redis://127.0.0.1:6379'),
  HERALD_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.{}-]+$/, 'letters, digits and _ . - { } only')
    .default('herald'),
  HERALD_API_PORT: port(3000),
  HERALD_INGEST_PORT: port(3001),
  HERALD_WORKER_PORT: port(3002),
  HERALD_ROOT_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  HERALD_ALLOW_HTTP: bool(false),
  HERALD_OUTBOUND_ALLOWLIST: list,
  HERALD_RETRY_BASE_MS: positiveMs(30_000),
  HERALD_RETRY_MAX_DELAY_MS: positiveMs(4 * 60 * 60 * 1000),
  HERALD_DISABLE_AFTER_MS: positiveMs(5 * 24 * 60 * 60 * 1000),
  HERALD_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  HERALD_HEADER_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be a valid header name prefix')
    .default('X-Herald'),
  /**
   * Gone: envelope versions are pinned per endpoint (`schema_version`). Still
   * parsed so an install that set it to something else stops with a message
   * instead of silently sending another `schema_version` than it used to;
   * the first version's id, what it always meant by default, is harmless.
   */
  HERALD_SCHEMA_VERSION: z
    .literal('2025-01-01', {
      error: 'is no longer read: each endpoint is pinned to an envelope version (schema_version); remove it (docs/operations.md, "Envelope versions")',
    })
    .optional(),
  /** Sent to receivers as the envelope's `environment` (from version 2026-12-01); null when unset. */
  HERALD_ENVIRONMENT: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1..64 of letters, digits and . _ - (e.g. production, staging)')
    .optional(),
  HERALD_ENCRYPTION_KEY: z
    .string()
    .min(1, 'is required (32 bytes, base64; `npm start` generates one into .env)')
    .refine(isEncryptionKey, 'must be 32 bytes, base64- or hex-encoded (e.g. `openssl rand -base64 32`)'),
  /**
   * Where email deliveries are sent: `smtp://user:pass@host:587` (STARTTLS when the server offers it),
   * `smtps://…:465` (TLS from the start). Unset: Herald sends no email and refuses email settings.
   */
  HERALD_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/\S+$/, 'must be smtp://[user:pass@]host[:port] or smtps://…')
    .refine((v) => URL.canParse(v), 'must be a valid URL')
    .optional(),
  /** The From of Herald's emails: an address, or `Name <address>`. */
  HERALD_EMAIL_FROM: z
    .string()
    .regex(/^(?:[^<>\r\n"]{1,100} <[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be an address or Name <address>')
    .default('Herald <herald@localhost>'),
  /** How long an endpoint fails without a success before herald.endpoint.failing is emitted (once per failure run). */
  HERALD_FAILING_NOTICE_MS: positiveMs(60 * 60 * 1000),
  /** At most one herald.delivery.dead per endpoint per this window, carrying how many died in it. */
  HERALD_DEAD_NOTICE_WINDOW_MS: positiveMs(15 * 60 * 1000),
  HERALD_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  HERALD_RECONCILE_INTERVAL_MS: positiveMs(30_000),
  HERALD_JOB_LOCK_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** How long a fifo delivery waiting for its turn stays parked before it looks again, if no predecessor released it sooner. */
  HERALD_FIFO_RECHECK_MS: z.coerce.number().int().min(100).default(10_000),
  HERALD_WORKER_SLOTS: z.coerce.number().int().min(1).max(10_000).default(256),
  HERALD_WORKER_LEASE_MS: z.coerce.number().int().min(500).default(5_000),
  /** Delivered and cancelled deliveries (with their attempts) and events nothing holds any more are removed this many days after they finished. */
  HERALD_RETENTION_DAYS: days(30),
  /** Dead deliveries are kept this many days after they died (so on-call can replay them); at least the retry window (apps/worker config). */
  HERALD_DEAD_RETENTION_DAYS: days(30),
  /** How often a worker process of the fleet runs a pruning pass. */
  HERALD_RETENTION_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** Most of a response body an attempt keeps, in bytes (the rest is never read). */
  HERALD_ATTEMPT_BODY_MAX_BYTES: z.coerce.number().int().min(0).max(1024 * 1024).default(4096),
  HERALD_SESSION_TTL_MS: z.coerce.number().int().min(60_000).max(30 * 24 * 60 * 60 * 1000).default(12 * 60 * 60 * 1000),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
});

export type Env = z.infer<typeof EnvSchema>;
export type EnvKey = keyof Env;

/** Raised for an invalid configuration; its message is one line naming the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Loads `.env` from the working directory into process.env (values already set win). */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * Parses the picked variables once. Throws ConfigError with one line naming
 * the first bad variable, e.g. `HERALD_API_PORT: Too big: expected number to be <=65535`.
 */
export function parseEnv<K extends EnvKey>(
  keys: readonly K[],
  source: Record<string, string | undefined>,
): Pick<Env, K> {
  const mask = Object.fromEntries(keys.map((k) => [k, true])) as Record<EnvKey, true>;
  // An empty string means "unset", as in most .env loaders.
  const cleaned = Object.fromEntries(keys.map((k) => [k, source[k] === '' ? undefined : source[k]]));
  const result = EnvSchema.pick(mask).safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]);
    const message = source[name] === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
    throw new ConfigError(`Invalid configuration: ${name} ${message}`);
  }
  return result.data as unknown as Pick<Env, K>;
}
