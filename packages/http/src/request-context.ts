import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@herald/core';

const CALLER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` if it is sane, else a
 * UUID), echoes it on the response, and logs one line per request when it
 * finishes. The request's child logger is made only when something logs (a
 * winston child per request was a measurable share of ingest's CPU).
 */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get('x-request-id');
    const requestId = given && CALLER_ID.test(given) ? given : randomUUID();
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;
    res.locals.logger = logger;
    res.on('finish', () => {
      const level = res.statusCode >= 500 ? 'warn' : 'http';
      if (!logger.isLevelEnabled(level)) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
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
