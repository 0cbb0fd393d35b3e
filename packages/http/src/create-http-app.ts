import express, { type Express, type Router } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '@herald/core';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { jsonBody } from './json-body.js';
import { metricsHandler } from './metrics.js';
import { readinessHandler, type ReadinessCheck } from './readiness.js';
import { requestContext } from './request-context.js';

/**
 * Answer-time buckets, in seconds: fine below 50 ms, where a producer's request
 * to ingest should answer (the benchmark's target is a p99 of 15 ms).
 */
export const ANSWER_BUCKETS = [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What every Herald HTTP service shares. */
export interface HttpAppOptions {
  logger: Logger;
  readiness: ReadinessCheck[];
  metrics: Registry;
  /** Limit for JSON bodies; larger ones are answered 413 (after the route's auth guards). */
  bodyLimitBytes: number;
  /** Keep each JSON body's raw text for `rawBodyText` (ingest). */
  keepRawBody?: boolean;
  /**
   * The service's own routers, mounted in order after the operational routes.
   * A route that reads `req.body` runs `acceptBody` first (RouteTable does,
   * after its auth guards), so a body that could not be parsed is refused.
   */
  routers: Router[];
}

/**
 * Builds an express app with request ids, request logs and answer times
 * (`herald_http_request_duration_seconds`), JSON parsing with a
 * size and depth limit (its refusals answered by each route, after auth),
 * `/healthz`, `/readyz`, `/metrics`, the given routers, a 404 for anything
 * else and the one error handler. `index.ts` only listens, so tests drive the
 * same app.
 */
export function createHttpApp({ logger, readiness, metrics, bodyLimitBytes, keepRawBody, routers }: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const durations = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: ANSWER_BUCKETS,
    registers: [metrics],
  });
  app.use(requestContext(logger, durations));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', readinessHandler(readiness));
  app.get('/metrics', metricsHandler(metrics));
  app.use(jsonBody(bodyLimitBytes, { keepRaw: keepRawBody }));
  for (const router of routers) app.use(router);
  app.use(notFoundHandler);
  const dependencyErrors = new Counter({
    name: 'herald_dependency_errors_total',
    help: 'Requests refused with 503 because PostgreSQL or Redis was unreachable.',
    labelNames: ['dependency'],
    registers: [metrics],
  });
  app.use(errorHandler(logger, (dependency) => dependencyErrors.inc({ dependency })));
  return app;
}
