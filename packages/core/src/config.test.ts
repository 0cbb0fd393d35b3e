import { ConfigError, parseEnv } from './config.js';

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    const env = parseEnv(['DATABASE_URL', 'HERALD_API_PORT', 'HERALD_RETRY_BASE_MS', 'HERALD_ALLOW_HTTP', 'HERALD_OUTBOUND_ALLOWLIST'], {});
    expect(env).toEqual({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/herald',
      HERALD_API_PORT: 3000,
      HERALD_RETRY_BASE_MS: 30000,
      HERALD_ALLOW_HTTP: false,
      HERALD_OUTBOUND_ALLOWLIST: [],
    });
  });

  it('parses the values it is given', () => {
    const env = parseEnv(['HERALD_ALLOW_HTTP', 'HERALD_OUTBOUND_ALLOWLIST', 'HERALD_INGEST_PORT'], {
      HERALD_ALLOW_HTTP: 'true',
      HERALD_OUTBOUND_ALLOWLIST: 'localhost, 10.0.0.0/8',
      HERALD_INGEST_PORT: '4001',
    });
    expect(env).toEqual({ HERALD_ALLOW_HTTP: true, HERALD_OUTBOUND_ALLOWLIST: ['localhost', '10.0.0.0/8'], HERALD_INGEST_PORT: 4001 });
  });

  it('takes a Redis URL or a Redis Cluster by some of its nodes', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://u:p@redis.example:6380/2', 'redis-cluster://10.0.0.1:7000,10.0.0.2:7000', 'rediss-cluster://u:p@h1:7000']) {
      expect(parseEnv(['REDIS_URL'], { REDIS_URL: url })).toEqual({ REDIS_URL: url });
    }
    for (const url of ['localhost:6379', 'http://x', 'redis-cluster://', 'redis-cluster://h1,h2']) {
      expect(() => parseEnv(['REDIS_URL'], { REDIS_URL: url })).toThrow(/^Invalid configuration: REDIS_URL must be redis:/);
    }
  });

  it('names the bad variable in one line', () => {
    expect(() => parseEnv(['HERALD_API_PORT'], { HERALD_API_PORT: '99999' })).toThrow(ConfigError);
    expect(() => parseEnv(['HERALD_API_PORT'], { HERALD_API_PORT: '99999' })).toThrow(/^Invalid configuration: HERALD_API_PORT .+$/);
    expect(() => parseEnv(['HERALD_ROOT_TOKEN'], {})).toThrow('Invalid configuration: HERALD_ROOT_TOKEN is required');
    expect(() => parseEnv(['HERALD_ALLOW_HTTP'], { HERALD_ALLOW_HTTP: 'maybe' })).toThrow(/HERALD_ALLOW_HTTP/);
    expect(() => parseEnv(['HERALD_ENCRYPTION_KEY'], { HERALD_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(
      /^Invalid configuration: HERALD_ENCRYPTION_KEY must be 32 bytes, base64- or hex-encoded/,
    );
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(parseEnv(['HERALD_ENCRYPTION_KEY'], { HERALD_ENCRYPTION_KEY: key })).toEqual({ HERALD_ENCRYPTION_KEY: key });
  });

  it('stops on HERALD_SCHEMA_VERSION set to anything but the first version, which it no longer reads', () => {
    expect(parseEnv(['HERALD_SCHEMA_VERSION'], {})).toEqual({});
    expect(parseEnv(['HERALD_SCHEMA_VERSION'], { HERALD_SCHEMA_VERSION: '2025-01-01' })).toEqual({ HERALD_SCHEMA_VERSION: '2025-01-01' });
    expect(() => parseEnv(['HERALD_SCHEMA_VERSION'], { HERALD_SCHEMA_VERSION: '2024-06-01' })).toThrow(
      /^Invalid configuration: HERALD_SCHEMA_VERSION is no longer read: each endpoint is pinned to an envelope version/,
    );
  });

  it('takes HERALD_ENVIRONMENT as a short name, unset by default', () => {
    expect(parseEnv(['HERALD_ENVIRONMENT'], {})).toEqual({});
    expect(parseEnv(['HERALD_ENVIRONMENT'], { HERALD_ENVIRONMENT: 'staging' })).toEqual({ HERALD_ENVIRONMENT: 'staging' });
    expect(() => parseEnv(['HERALD_ENVIRONMENT'], { HERALD_ENVIRONMENT: 'pro duction' })).toThrow(/^Invalid configuration: HERALD_ENVIRONMENT must be/);
  });

  it('ignores variables the service did not pick', () => {
    expect(() => parseEnv(['LOG_LEVEL'], { HERALD_API_PORT: 'nope' })).not.toThrow();
  });
});
