import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Histogram } from 'prom-client';
import type { Logger } from '@herald/core';

/** Answer times by method, route pattern (`other` for a request no route answered) and status. */
export type RequestDurations = Histogram<'method' | 'route' | 'status'>;

const CALLER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` if it is sane, else a
 * UUID), echoes it on the response, and when it finishes records its answer
 * time in `durations` and logs one line. The request's child logger is made
 * only when something logs (a winston child per request was a measurable share
 * of ingest's CPU).
 */
export function requestContext(logger: Logger, durations: RequestDurations) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get('x-request-id');
    const requestId = given && CALLER_ID.test(given) ? given : randomUUID();
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;
    res.locals.logger = logger;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The route's pattern, never the path itself: the labels stay few whatever the ids in paths.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'other';
      durations.observe({ method: req.method, route, status: String(res.statusCode) }, ms / 1000);
      const level = res.statusCode >= 500 ? 'warn' : 'http';
      if (!logger.isLevelEnabled(level)) return;
      requestLog(res).log(level, 'request', {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        duration_ms: Math.round(ms * 10) / 10,
        tenant_id: res.locals.tenantId,
      });
    });
    next();
  };
}

/** The request's logger (bound to its request id). */
export function requestLog(res: Response): Logger {
  return (res.locals.log ??= (res.locals.logger as Logger).child({ request_id: res.locals.requestId }));
}
