import { parseEnv } from '@herald/core';

const KEYS = [
  'DATABASE_URL',
  'REDIS_URL',
  'HERALD_REDIS_PREFIX',
  'HERALD_INGEST_PORT',
  'HERALD_MAX_PAYLOAD_BYTES',
  'HERALD_SCHEMA_VERSION',
  'HERALD_ENCRYPTION_KEY',
  'HERALD_SMTP_URL',
  'LOG_LEVEL',
] as const;

/** The ingest service's configuration, parsed once at start. */
export type IngestConfig = ReturnType<typeof parseIngestConfig>;

export function parseIngestConfig(env: Record<string, string | undefined>) {
  return parseEnv(KEYS, env);
}
