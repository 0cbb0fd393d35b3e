import { parseEnv } from '@herald/core';

const KEYS = [
  'DATABASE_URL',
  'REDIS_URL',
  'HERALD_REDIS_PREFIX',
  'HERALD_API_PORT',
  'HERALD_INGEST_PORT',
  'HERALD_ROOT_TOKEN',
  'HERALD_ALLOW_HTTP',
  'HERALD_OUTBOUND_ALLOWLIST',
  'HERALD_ATTEMPT_BODY_MAX_BYTES',
  'HERALD_MAX_PAYLOAD_BYTES',
  'HERALD_HEADER_PREFIX',
  'HERALD_SCHEMA_VERSION',
  'HERALD_RETRY_BASE_MS',
  'HERALD_RETRY_MAX_DELAY_MS',
  'HERALD_ENCRYPTION_KEY',
  'HERALD_SESSION_TTL_MS',
  'HERALD_ENVIRONMENT',
  'HERALD_SMTP_URL',
  'LOG_LEVEL',
] as const;

/** The api's configuration, parsed once at start. */
export type ApiConfig = ReturnType<typeof parseApiConfig>;

export function parseApiConfig(env: Record<string, string | undefined>) {
  return parseEnv(KEYS, env);
}
