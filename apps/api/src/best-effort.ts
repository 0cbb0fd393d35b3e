import { withTimeout } from '@herald/core';
import type { ApiDeps } from './deps.js';

/** Longest a request waits on a Redis side effect. */
const REDIS_TIMEOUT_MS = 2000;

/**
 * Runs a Redis side effect of a change PostgreSQL already committed. Best
 * effort: a failure is logged, never answered as an error (what the caller
 * asked for is committed), and nothing depends on the effect alone: the
 * worker's reconciler queues pending deliveries that have no job, and its
 * endpoint cache re-reads what it holds.
 */
export async function bestEffort(
  { logger }: Pick<ApiDeps, 'logger'>,
  what: string,
  fields: Record<string, string | number>,
  effect: () => Promise<unknown>,
): Promise<void> {
  try {
    await withTimeout(effect(), REDIS_TIMEOUT_MS, what);
  } catch (error) {
    logger.warn(`${what} failed`, { ...fields, error });
  }
}
