import type { Request, Response } from 'express';
import { AppError, withTimeout } from '@herald/core';
import { sendError } from './error-handler.js';

/** A named dependency check for `/readyz`, e.g. PostgreSQL `SELECT 1` or Redis `PING`. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<unknown>;
  /**
   * Whether the service is unready without it (default true). Ingest answers
   * on PostgreSQL alone, so Redis is not required there: when it is away the
   * service is `degraded`, still ready.
   */
  required?: boolean;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * `/readyz`: 503 naming the required dependencies that did not answer; else
 * 200, `status: "ready"`, or `"degraded"` when an optional one did not.
 */
export function readinessHandler(checks: ReadinessCheck[]) {
  return async (_req: Request, res: Response): Promise<void> => {
    const results = await Promise.all(
      checks.map(async ({ name, check, required = true }) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS, name);
          return { name, required, ok: true, message: 'ok' };
        } catch (error) {
          return { name, required, ok: false, message: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const failed = results.filter((r) => !r.ok && r.required);
    if (failed.length > 0) {
      sendError(
        res,
        new AppError(
          'unavailable',
          `Not ready: ${failed.map((f) => f.name).join(', ')} unreachable.`,
          failed.map((f) => ({ path: f.name, message: f.message })),
        ),
      );
      return;
    }
    res.json({
      status: results.every((r) => r.ok) ? 'ready' : 'degraded',
      checks: Object.fromEntries(results.map((r) => [r.name, r.message])),
    });
  };
}
