import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { parseApiConfig, startApi, type RunningApi } from '@herald/api';
import { createLogger } from '@herald/core';
import { createPrismaClient, type PrismaClient } from '@herald/db';
import { parseIngestConfig, startIngest, type RunningIngest } from '@herald/ingest';
import type { Resolve } from '@herald/outbound';
import { createTestDatabase, testRedisPrefix, type TestDatabase, type TestRedisPrefix } from '@herald/testing';
import { parseWorkerConfig, startWorker, type RunningWorker } from '@herald/worker';

/** A whole Herald (api, ingest, worker) in this process on free ports, with its own database and Redis prefix. */
export interface Stack {
  api: RunningApi;
  ingest: RunningIngest;
  /** The in-process worker (absent with `{ worker: false }`: spawn one with spawnWorker). */
  worker: RunningWorker;
  env: Record<string, string>;
  database: TestDatabase;
  redis: TestRedisPrefix;
  /** A client on the stack's database, for checks the API does not expose yet. */
  db: PrismaClient;
  /** Every log line the three services wrote. */
  logs: string[];
  rootToken: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Start the worker in this process (default true). */
  worker?: boolean;
  /** Name resolution for the api's URL checks and the worker's deliveries (custom DNS). */
  resolve?: Resolve;
}

/** Starts a stack; `env` overrides the test defaults (fast retries, http to 127.0.0.1 allowed). */
export async function startStack(env: Record<string, string> = {}, options: StackOptions = {}): Promise<Stack> {
  const database = await createTestDatabase();
  const redis = testRedisPrefix();
  const rootToken = `root_${randomBytes(16).toString('hex')}`;
  const fullEnv: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    HERALD_REDIS_PREFIX: redis.prefix,
    HERALD_ROOT_TOKEN: rootToken,
    HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    HERALD_ALLOW_HTTP: 'true',
    HERALD_OUTBOUND_ALLOWLIST: '127.0.0.1',
    HERALD_RETRY_BASE_MS: '50',
    HERALD_RETRY_MAX_DELAY_MS: '400',
    LOG_LEVEL: 'debug',
    ...env,
  };
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk) => logs.push(...String(chunk).split('\n').filter(Boolean)));
  const logger = (service: string) => createLogger({ service, level: fullEnv.LOG_LEVEL, stream });

  // The api makes its own logger, as in production: it is the one that must redact the root token.
  const api = await startApi(parseApiConfig(fullEnv), { port: 0, logStream: stream, resolve: options.resolve });
  const ingest = await startIngest(parseIngestConfig(fullEnv), { port: 0, logger: logger('ingest') });
  const worker =
    options.worker === false
      ? (undefined as unknown as RunningWorker)
      : await startWorker(parseWorkerConfig(fullEnv), { port: 0, logger: logger('worker'), resolve: options.resolve });
  const db = createPrismaClient({ databaseUrl: database.url });
  return {
    api,
    ingest,
    worker,
    env: fullEnv,
    database,
    redis,
    db,
    logs,
    rootToken,
    async stop() {
      await worker?.stop();
      await ingest.stop();
      await api.stop();
      await db.$disconnect();
      await redis.cleanup();
      await database.drop();
    },
  };
}

/** A JSON call against a running service. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  { token, body, headers }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Creates a tenant through the api and returns its keys. */
export async function createTenant(
  stack: Stack,
  name = 'Acme',
  extra: { external_id?: string } = {},
): Promise<{ id: string; admin: string; read: string; ingest: string }> {
  const res = await call(stack.api.url, 'POST', '/api/v1/tenants', { token: stack.rootToken, body: { name, ...extra } });
  if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, ...res.body.api_keys };
}

/**
 * A tenant with an event type and `endpoints` endpoints subscribed to it, each at
 * `<receiverUrl>/<tenant id>/ep<i>` (`extra` goes into every endpoint's body).
 * Returns the tenant and the endpoints' paths, in order.
 */
export async function createTenantWithEndpoints(
  stack: Stack,
  { receiverUrl, eventType, endpoints, extra = {} }: { receiverUrl: string; eventType: string; endpoints: number; extra?: Record<string, unknown> },
): Promise<{ tenant: Awaited<ReturnType<typeof createTenant>>; paths: string[] }> {
  const tenant = await createTenant(stack);
  await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: eventType } });
  const paths: string[] = [];
  for (let i = 0; i < endpoints; i++) {
    const path = `/${tenant.id}/ep${i}`;
    const res = await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { url: `${receiverUrl}${path}`, events: [eventType], ...extra } });
    expect(res.status).toBe(201);
    paths.push(path);
  }
  return { tenant, paths };
}
