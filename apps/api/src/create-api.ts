import type { Server } from 'node:http';
import { createLogger, createSecretBox, parseEncryptionKey, type Logger } from '@herald/core';
import { createPrismaClient, createSqlPool, findActiveApiKeyByDigest, findActiveSessionByDigest } from '@herald/db';
import { authenticate, boundPort, closeServer, createHttpApp, createMetricsRegistry, listen, RouteTable } from '@herald/http';
import { PayloadSchemas } from '@herald/json-schema';
import { SigningKeyCache } from '@herald/delivery';
import { createTransport, type Resolve } from '@herald/outbound';
import { createRedis, DeliveryEnqueuer, whenReady } from '@herald/queue';
import { IngestBatchRoute, IngestEventRoute } from '@herald/schemas';
import type { ApiConfig } from './config.js';
import type { ApiDeps } from './deps.js';
import { USER_AGENT } from './version.js';
import { apiKeyRoutes } from './routes/api-keys.routes.js';
import { consoleRoutes } from './routes/console.routes.js';
import { docsRoutes } from './routes/docs.routes.js';
import { endpointActionRoutes } from './routes/endpoint-actions.routes.js';
import { endpointActivityRoutes } from './routes/endpoint-activity.routes.js';
import { endpointRoutes } from './routes/endpoints.routes.js';
import { eventTypeRoutes } from './routes/event-types.routes.js';
import { eventRoutes } from './routes/events.routes.js';
import { outboxRoutes } from './routes/outbox.routes.js';
import { queueDashboard } from './routes/queue-dashboard.routes.js';
import { schemaVersionRoutes } from './routes/schema-versions.routes.js';
import { sessionRoutes } from './routes/sessions.routes.js';
import { tenantRoutes } from './routes/tenants.routes.js';
import { settingsRoutes } from './routes/settings.routes.js';

export interface RunningApi {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

export interface ApiOptions {
  /** A logger to use as is; without one the api makes its own, which redacts the root token. */
  logger?: Logger;
  /** Where the api's own logger writes (stdout unless given). */
  logStream?: NodeJS.WritableStream;
  /** Port to listen on; defaults to HERALD_API_PORT (0 picks a free one). */
  port?: number;
  /** Name resolution for URL checks and test sends; the system resolver unless given. */
  resolve?: Resolve;
}

/** Starts the api: admin REST routes, OpenAPI and docs, `/healthz`, `/readyz`, `/metrics`. */
export async function startApi(config: ApiConfig, options: ApiOptions = {}): Promise<RunningApi> {
  const logger =
    options.logger ??
    createLogger({ service: 'api', level: config.LOG_LEVEL, stream: options.logStream, redact: [config.HERALD_ROOT_TOKEN] });
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL, applicationName: 'herald-api' });
  const sql = createSqlPool({ databaseUrl: config.DATABASE_URL, applicationName: 'herald-api' });
  const redis = createRedis(config.REDIS_URL, 'herald-api', { role: 'producer', logger });
  // Serve as soon as Redis is there, but never wait on it long: without it, jobs are left to the reconciler.
  await whenReady(redis, 2_000);
  const secretBox = createSecretBox(parseEncryptionKey(config.HERALD_ENCRYPTION_KEY));
  const transport = createTransport({
    allowlist: config.HERALD_OUTBOUND_ALLOWLIST,
    allowHttp: config.HERALD_ALLOW_HTTP,
    resolve: options.resolve,
    maxBodyBytes: config.HERALD_ATTEMPT_BODY_MAX_BYTES,
  });
  const deps: ApiDeps = {
    config,
    logger,
    db,
    sql,
    secretBox,
    payloadSchemas: new PayloadSchemas(),
    redis,
    transport,
    sender: {
      transport,
      signingKeys: new SigningKeyCache(secretBox),
      headerPrefix: config.HERALD_HEADER_PREFIX,
      userAgent: USER_AGENT,
      environment: config.HERALD_ENVIRONMENT ?? null,
    },
    enqueuer: new DeliveryEnqueuer({ redis, prefix: config.HERALD_REDIS_PREFIX }),
    resolve: options.resolve,
  };

  const routes = new RouteTable({
    rootToken: config.HERALD_ROOT_TOKEN,
    authenticate: authenticate(
      { digest: (key) => secretBox.digestApiKey(key), findByDigest: (digest) => findActiveApiKeyByDigest(sql, digest) },
      { digest: (token) => secretBox.digestApiKey(token), findByDigest: (digest) => findActiveSessionByDigest(sql, digest) },
    ),
  });
  tenantRoutes(routes, deps);
  settingsRoutes(routes, deps);
  sessionRoutes(routes, deps);
  apiKeyRoutes(routes, deps);
  eventTypeRoutes(routes, deps);
  endpointRoutes(routes, deps);
  endpointActionRoutes(routes, deps);
  endpointActivityRoutes(routes, deps);
  outboxRoutes(routes, deps);
  eventRoutes(routes, deps);
  schemaVersionRoutes(routes);
  const docs = docsRoutes(routes, deps, [IngestEventRoute, IngestBatchRoute]);
  const dashboard = queueDashboard(deps);

  const app = createHttpApp({
    logger,
    metrics: createMetricsRegistry('api'),
    bodyLimitBytes: config.HERALD_MAX_PAYLOAD_BYTES,
    readiness: [
      { name: 'postgres', check: () => db.$queryRaw`SELECT 1` },
      { name: 'redis', check: () => redis.ping() },
    ],
    routers: [routes.router, docs, dashboard.router, consoleRoutes()],
  });
  const server = await listen(app, options.port ?? config.HERALD_API_PORT);
  const url = `http://127.0.0.1:${boundPort(server)}`;
  logger.info('api listening', { url });
  return {
    url,
    server,
    async stop() {
      await closeServer(server);
      await dashboard.close();
      await deps.enqueuer.close();
      transport.close();
      redis.disconnect();
      await db.$disconnect();
      await sql.end();
    },
  };
}
