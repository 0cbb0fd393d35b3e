import express, { type Express, type Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@herald/core';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { jsonBody } from './json-body.js';
import { metricsHandler } from './metrics.js';
import { readinessHandler, type ReadinessCheck } from './readiness.js';
import { requestContext } from './request-context.js';

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
 * Builds an express app with request ids, request logs, JSON parsing with a
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
  app.use(requestContext(logger));
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
