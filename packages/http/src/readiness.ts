import type { Request, Response } from 'express';
import { AppError } from '@herald/core';
import { sendError } from './error-handler.js';

/** A named dependency check for `/readyz`, e.g. PostgreSQL `SELECT 1` or Redis `PING`. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<unknown>;
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `/readyz`: 200 when every dependency answers, else 503 naming the ones that did not. */
export function readinessHandler(checks: ReadinessCheck[]) {
  return async (_req: Request, res: Response): Promise<void> => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return { name, ok: true, message: 'ok' };
        } catch (error) {
          return { name, ok: false, message: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const failed = results.filter((r) => !r.ok);
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
    res.json({ status: 'ready', checks: Object.fromEntries(results.map((r) => [r.name, r.message])) });
  };
}
