import type { Request, Response } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A Prometheus registry for one service, with process metrics. Each service
 * registers its own counters on it; tests get a registry per app, never a global.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  return registry;
}

/** `/metrics` in Prometheus text format. */
export function metricsHandler(registry: Registry) {
  return async (_req: Request, res: Response): Promise<void> => {
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  };
}
