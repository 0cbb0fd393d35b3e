import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createLogger, createSecretBox, MicroBatcher, parseEncryptionKey, type Logger } from '@herald/core';
import {
  createAttemptSqlPool,
  createSqlPool,
  finishDelivery,
  loadDeliveryContexts,
  loadDeliveryStates,
  loadEmailDeliveryContexts,
  oldestRetainedAt,
  type DeliveryKey,
  type PrunedRows,
  type Sql,
} from '@herald/db';
import { addressOf, EndpointHealth, SigningKeyCache } from '@herald/delivery';
import { boundPort, closeServer, createHttpApp, createMetricsRegistry, listen } from '@herald/http';
import { createMailTransport, createTransport, type Resolve } from '@herald/outbound';
import { createRedis, DeliveryEnqueuer, drainEndpointQueue, duplicateForBlocking, EndpointQueues, isEmailQueueOwner, queueKeys, subscribeWhenReady } from '@herald/queue';
import { ATTEMPT_STATEMENTS_IN_FLIGHT, AttemptWriter } from './attempt-writer.js';
import type { WorkerConfig } from './config.js';
import { createDeliverProcessor } from './deliver.processor.js';
import { EndpointCache } from './endpoint-cache.js';
import { Dispatcher } from './dispatcher.js';
import { FifoTurns } from './fifo-turns.js';
import { Fleet } from './fleet.js';
import { OperationalEvents } from './operational-events.js';
import { Pruner } from './pruner.js';
import { Reconciler } from './reconciler.js';
import { UnrecordedAttempts } from './unrecorded.js';
import { createWorkerMetrics } from './worker-metrics.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunningWorker {
  url: string;
  server: Server;
  /** This process's id in the fleet (also the lock token of its jobs). */
  id: string;
  /** Deliveries running now. */
  inFlight(): number;
  /** Runs a reconcile pass now (tests; the worker also runs one every HERALD_RECONCILE_INTERVAL_MS). */
  reconcile(): Promise<void>;
  /** Runs a retention pass now if no process of the fleet ran one within HERALD_RETENTION_INTERVAL_MS; null if none ran. */
  prune(): Promise<PrunedRows | null>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  logger?: Logger;
  /** Port for `/healthz`, `/readyz`, `/metrics`; defaults to HERALD_WORKER_PORT (0 picks a free one). */
  port?: number;
  /** Name resolution for deliveries; the system resolver unless given. */
  resolve?: Resolve;
}

/** Starts the worker: per-endpoint delivery Workers plus `/healthz`, `/readyz`, `/metrics`. */
export async function startWorker(config: WorkerConfig, options: WorkerOptions = {}): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger({ service: 'worker', level: config.LOG_LEVEL });
  const sql = createSqlPool({ databaseUrl: config.DATABASE_URL, applicationName: 'herald-worker', max: 20 });
  // The attempt statements (and the endpoint outcomes after them) on connections of their own: see createAttemptSqlPool.
  const attemptSql = createAttemptSqlPool({ databaseUrl: config.DATABASE_URL, applicationName: 'herald-worker-attempts', max: ATTEMPT_STATEMENTS_IN_FLIGHT + 1 });
  const redis = createRedis(config.REDIS_URL, 'herald-worker', { role: 'consumer', logger });
  const subscriber = createRedis(config.REDIS_URL, 'herald-worker-sub', { role: 'consumer', logger });
  const blocking = duplicateForBlocking(redis, 'herald-worker-blocking', logger);
  const transport = createTransport({
    allowlist: config.HERALD_OUTBOUND_ALLOWLIST,
    allowHttp: config.HERALD_ALLOW_HTTP,
    resolve: options.resolve,
    maxBodyBytes: config.HERALD_ATTEMPT_BODY_MAX_BYTES,
  });
  const secretBox = createSecretBox(parseEncryptionKey(config.HERALD_ENCRYPTION_KEY));

  const registry = createMetricsRegistry('worker');
  // The dispatcher is created below; the gauges only read it when scraped.
  let dispatcher: Dispatcher | undefined;
  const metrics = createWorkerMetrics(registry, {
    inFlight: () => dispatcher?.inFlight ?? 0,
    backlog: () => dispatcher?.backlog() ?? Promise.resolve({ ready: 0, scheduled: 0 }),
    oldestRetainedAt: () => oldestRetainedAt(sql),
  });
  const endpoints = new EndpointCache({ sql, logger });
  const enqueuer = new DeliveryEnqueuer({ redis, prefix: config.HERALD_REDIS_PREFIX });
  const mail = config.HERALD_SMTP_URL ? createMailTransport({ url: config.HERALD_SMTP_URL, from: config.HERALD_EMAIL_FROM }) : null;
  const operational = new OperationalEvents({
    sql,
    enqueuer,
    logger,
    metrics,
    environment: config.HERALD_ENVIRONMENT ?? null,
    emailConfigured: mail !== null,
    deadWindowMs: config.HERALD_DEAD_NOTICE_WINDOW_MS,
  });
  const health = new EndpointHealth({
    disable: (tenantId, endpointId, reason) => operational.disable(tenantId, endpointId, reason),
    logger,
    disableAfterMs: config.HERALD_DISABLE_AFTER_MS,
    onDisabled: (endpointId, deadDeliveries) => {
      endpoints.forget(endpointId);
      metrics.deadLetters.inc({ reason: 'endpoint_disabled', kind: 'webhook' }, deadDeliveries);
      return drainEndpointQueue(redis, config.HERALD_REDIS_PREFIX, endpointId);
    },
    notices: {
      failingAfterMs: config.HERALD_FAILING_NOTICE_MS,
      failing: (runs) => operational.failing(runs, config.HERALD_FAILING_NOTICE_MS),
      recovered: (runs) => operational.recovered(runs),
    },
  });
  const attempts = new AttemptWriter({ sql: attemptSql, logger, onFailureRuns: (runs) => health.checkFailureRuns(runs) });
  // Jobs that start in the same turn of the event loop share one query; a delivery the query did not find is null.
  const byDelivery = <T>(load: (sql: Sql, keys: DeliveryKey[]) => Promise<Map<string, T>>) =>
    new MicroBatcher(async (keys: DeliveryKey[]) => {
      const found = await load(sql, keys);
      return keys.map((k) => found.get(k.deliveryId) ?? null);
    });
  const contextBatcher = byDelivery(loadDeliveryContexts);
  const stateBatcher = byDelivery(loadDeliveryStates);
  const emailContexts = byDelivery(loadEmailDeliveryContexts);
  const queues = new EndpointQueues({ redis, prefix: config.HERALD_REDIS_PREFIX, lockMs: config.HERALD_JOB_LOCK_MS });
  const turns = new FifoTurns({ sql, redis, prefix: config.HERALD_REDIS_PREFIX, queues, recheckMs: config.HERALD_FIFO_RECHECK_MS, logger });
  const fleet = new Fleet({
    redis,
    prefix: config.HERALD_REDIS_PREFIX,
    queues,
    leaseMs: config.HERALD_WORKER_LEASE_MS,
    logger,
    requeue: (deliveries) => enqueuer.enqueue(deliveries),
  });
  const unrecorded = new UnrecordedAttempts({ redis, prefix: config.HERALD_REDIS_PREFIX, workerId: fleet.id, logger });
  const deliver = createDeliverProcessor({
    turns,
    metrics,
    loadContext: (key) => contextBatcher.add(key),
    loadState: (key) => stateBatcher.add(key),
    endpoints,
    finish: (tenantId, deliveryId, status, reason) => finishDelivery(sql, tenantId, deliveryId, status, reason),
    attempts,
    unrecorded,
    health,
    sender: {
      transport,
      signingKeys: new SigningKeyCache(secretBox),
      headerPrefix: config.HERALD_HEADER_PREFIX,
      userAgent: `Herald/${VERSION}`,
      environment: config.HERALD_ENVIRONMENT ?? null,
    },
    email: mail
      ? {
          loadContext: (key) => emailContexts.add(key),
          sender: {
            mail,
            from: config.HERALD_EMAIL_FROM,
            fromAddress: addressOf(config.HERALD_EMAIL_FROM),
            headerPrefix: config.HERALD_HEADER_PREFIX,
            environment: config.HERALD_ENVIRONMENT ?? null,
          },
        }
      : null,
    onExhausted: (tenantId, endpointId) => operational.countDeath(tenantId, endpointId),
    retry: { baseMs: config.HERALD_RETRY_BASE_MS, maxDelayMs: config.HERALD_RETRY_MAX_DELAY_MS },
    logger,
  });
  await fleet.start();
  dispatcher = new Dispatcher({
    redis,
    blocking,
    queues,
    fleet,
    prefix: config.HERALD_REDIS_PREFIX,
    slots: config.HERALD_WORKER_SLOTS,
    concurrency: config.HERALD_WORKER_CONCURRENCY,
    deliver,
    // A tenant's email queue has no rate limit of its own: HERALD_WORKER_CONCURRENCY caps it.
    rateLimitOf: (ownerId) => (isEmailQueueOwner(ownerId) ? Promise.resolve(null) : endpoints.rateLimitOf(ownerId)),
    fallbackDelayMs: config.HERALD_RETRY_BASE_MS,
    lockMs: config.HERALD_JOB_LOCK_MS,
    parked: (endpointId, job) => turns.parked(endpointId, job.data.tenantId, job.data.deliveryId),
    logger,
  });
  // The api announces every endpoint change: forget what is cached of it, and write its limits again.
  subscriber.on('message', (channel: string, endpointId: string) => {
    if (channel !== queueKeys(config.HERALD_REDIS_PREFIX).changedChannel) return;
    endpoints.forget(endpointId);
    void dispatcher!.refreshLimits(endpointId).catch((error: unknown) => logger.warn('refreshing endpoint limits failed', { endpoint_id: endpointId, error }));
  });
  await subscribeWhenReady(subscriber, queueKeys(config.HERALD_REDIS_PREFIX).changedChannel);
  dispatcher.start();
  operational.start();
  const reconciler = new Reconciler({
    sql,
    redis,
    prefix: config.HERALD_REDIS_PREFIX,
    enqueuer,
    logger,
    intervalMs: config.HERALD_RECONCILE_INTERVAL_MS,
  });
  reconciler.start();
  const pruner = new Pruner({
    sql,
    redis,
    prefix: config.HERALD_REDIS_PREFIX,
    logger,
    holderId: fleet.id,
    intervalMs: config.HERALD_RETENTION_INTERVAL_MS,
    retentionDays: config.HERALD_RETENTION_DAYS,
    deadRetentionDays: config.HERALD_DEAD_RETENTION_DAYS,
    onPruned: (rows) => {
      for (const table of ['events', 'deliveries', 'attempts'] as const) if (rows[table] > 0) metrics.prunedRows.inc({ table }, rows[table]);
    },
  });
  pruner.start();

  const app = createHttpApp({
    logger,
    metrics: registry,
    bodyLimitBytes: 1024,
    readiness: [
      { name: 'postgres', check: () => sql.query('SELECT 1') },
      { name: 'redis', check: () => redis.ping() },
    ],
    routers: [],
  });
  const server = await listen(app, options.port ?? config.HERALD_WORKER_PORT);
  const url = `http://127.0.0.1:${boundPort(server)}`;
  logger.info('worker started', { url });
  return {
    url,
    server,
    id: fleet.id,
    inFlight: () => dispatcher!.inFlight,
    reconcile: () => reconciler.runOnce(),
    prune: () => pruner.runOnce(),
    async stop() {
      await Promise.all([reconciler.stop(), pruner.stop()]);
      await dispatcher!.close();
      await operational.stop();
      await attempts.flush();
      await unrecorded.flush();
      await fleet.stop();
      endpoints.close();
      await Promise.all([enqueuer.close(), queues.close()]);
      await closeServer(server);
      transport.close();
      mail?.close();
      for (const connection of [blocking, subscriber, redis]) connection.disconnect();
      await Promise.all([sql.end(), attemptSql.end()]);
    },
  };
}
