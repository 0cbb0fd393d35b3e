import { ERROR_STATUS, type ErrorCode } from '@herald/schemas';

/** One failing field or item, `path` in dotted form (`events.0`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * An error meant for the caller: the express error handler answers it with
 * `{ error: { code, message, details } }` and its status, never a stack trace.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], status: number = ERROR_STATUS[code]) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /** 400: the request is malformed (bad JSON, wrong types). */
  static badRequest(message: string, details: ErrorDetail[] = []): AppError {
    return new AppError('validation_failed', message, details, 400);
  }

  /** 422: well-formed but not acceptable (unknown event type, unsafe URL, ...). */
  static unprocessable(message: string, details: ErrorDetail[] = []): AppError {
    return new AppError('validation_failed', message, details, 422);
  }

  /** 404 for a missing resource, and for another tenant's (never reveal it exists). */
  static notFound(what: string): AppError {
    return new AppError('not_found', `${what} not found`);
  }

  /** 503: a dependency is down and nothing was accepted. */
  static unavailable(message: string): AppError {
    return new AppError('unavailable', message);
  }
}
