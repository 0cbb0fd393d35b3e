import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import { AppError, isDependencyDown, type ErrorDetail, type Logger } from '@herald/core';
import { requestLog } from './request-context.js';

/** Turns zod issues into the error shape's `details`, paths dotted (`events.0.event_type`). */
export function zodDetails(error: ZodError, prefix: (string | number)[] = []): ErrorDetail[] {
  const dotted = (path: PropertyKey[]) => [...prefix, ...path].map(String).join('.');
  return error.issues.flatMap((issue) =>
    // An unknown field is reported at its own path, one detail per field.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: dotted([...issue.path, key]), message: 'is not a known field' }))
      : [{ path: dotted(issue.path), message: issue.message }],
  );
}

// PostgreSQL's codes for text it cannot store (a NUL character in text or jsonb).
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * Whether PostgreSQL refused a value it cannot store: that is the caller's
 * input, not a fault of ours. Looks through `cause` chains and Prisma's
 * `meta.driverAdapterError`, since the driver error is wrapped.
 */
function isUnstorableText(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { code?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (typeof e.code === 'string' && UNSTORABLE_TEXT.has(e.code)) return true;
  return isUnstorableText(e.cause, depth + 1) || isUnstorableText(e.meta?.driverAdapterError, depth + 1);
}

/** Maps any thrown value to an AppError the caller may see. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) return AppError.badRequest('The request is not valid.', zodDetails(error));
  const e = error as { type?: string; status?: number; limit?: number } | undefined;
  // body-parser errors carry a `type`.
  if (e?.type === 'entity.too.large') {
    return new AppError('payload_too_large', `The body is larger than the limit of ${e.limit} bytes.`);
  }
  if (e?.type === 'entity.parse.failed') return AppError.badRequest('The body is not valid JSON.');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
    return AppError.badRequest('The body encoding is not supported; send UTF-8 JSON.');
  }
  if (e?.type === 'request.aborted') return AppError.badRequest('The request was aborted.');
  if (isDependencyDown(error)) {
    return AppError.unavailable('A dependency (PostgreSQL or Redis) is unreachable; nothing was accepted. Retry later.');
  }
  if (isUnstorableText(error)) {
    return AppError.unprocessable('The request contains text that cannot be stored (a NUL character, \\u0000).');
  }
  // Other client errors that express and body-parser raise with a 4xx status: a path
  // with bad percent-encoding (URIError), a body whose Content-Encoding does not decode.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return AppError.badRequest(
      error instanceof URIError ? 'The URL is not valid (bad percent-encoding).' : 'The request could not be read.',
    );
  }
  return new AppError('internal', 'Internal error.');
}

/** Which dependency an outage error came from: ioredis errors name Redis or a closed stream; the rest is PostgreSQL. */
function dependencyOf(error: unknown): 'postgres' | 'redis' {
  const text = `${(error as Error)?.name} ${(error as Error)?.message}`;
  return /redis|MaxRetriesPerRequest|Stream isn't writeable|Connection is closed/i.test(text) ? 'redis' : 'postgres';
}

/** Sends the error shape (docs/api.md, "Conventions"). */
export function sendError(res: Response, error: AppError): void {
  if (error.status === 503) res.setHeader('Retry-After', '5');
  res.status(error.status).json({
    error: { code: error.code, message: error.message, details: error.details },
  });
}

/**
 * The one express error handler: AppError, ZodError and body-parser errors get
 * their status; an unreachable dependency is 503; anything else is a 500 logged
 * with its stack and answered without it.
 */
export function errorHandler(logger: Logger, onDependencyDown?: (dependency: 'postgres' | 'redis') => void) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    const appError = toAppError(error);
    if (appError.code === 'unavailable') onDependencyDown?.(dependencyOf(error));
    const log = res.locals.logger ? requestLog(res) : logger;
    if (appError.status >= 500) {
      log.error('request failed', { code: appError.code, error });
    }
    sendError(res, appError);
  };
}

/** 404 for routes that do not exist, in the error shape. */
export function notFoundHandler(req: Request, res: Response): void {
  sendError(res, new AppError('not_found', `No route for ${req.method} ${req.path}.`));
}
