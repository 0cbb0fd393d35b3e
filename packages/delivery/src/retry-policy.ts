import type { MailResult, OutboundResult } from '@herald/outbound';
import { MAX_ATTEMPTS_LIMIT, MAX_TIMEOUT_MS } from '@herald/schemas';

/** What one attempt got back: an HTTP response (webhook), an SMTP reply (email), or no answer. */
export type AttemptResult = OutboundResult | MailResult;

/** What one attempt's result means for its delivery. */
export type AttemptOutcome =
  | { kind: 'delivered' }
  /** Retry later; `retryAfterMs` when the receiver said when (Retry-After on 429/503). */
  | { kind: 'retry'; reason: 'http' | 'smtp' | 'timeout' | 'rate_limited' | 'network'; retryAfterMs?: number }
  /** No point retrying: the endpoint said 410 Gone, its address is not allowed, or the SMTP server refused the email for good (5xx). */
  | { kind: 'give_up'; reason: 'gone' | 'blocked' | 'smtp_rejected' };

export interface RetryPolicy {
  baseMs: number;
  maxDelayMs: number;
}

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Reads an attempt's result: 2xx is delivered; a 3xx is a failure (redirects
 * are not followed). For email, an SMTP 2xx is delivered, a 4xx (and no
 * answer at all) is tried again, a 5xx is refused for good.
 */
export function classifyResult(result: AttemptResult, now: number): AttemptOutcome {
  if (result.kind === 'error') {
    if (result.error === 'blocked') return { kind: 'give_up', reason: 'blocked' };
    return { kind: 'retry', reason: result.error };
  }
  if (result.kind === 'smtp') {
    if (result.code >= 200 && result.code < 300) return { kind: 'delivered' };
    return result.code >= 500 ? { kind: 'give_up', reason: 'smtp_rejected' } : { kind: 'retry', reason: 'smtp' };
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'give_up', reason: 'gone' };
  if (status === 429 || status === 503) {
    return {
      kind: 'retry',
      reason: status === 429 ? 'rate_limited' : 'http',
      retryAfterMs: parseRetryAfter(result.headers['retry-after'], now),
    };
  }
  return { kind: 'retry', reason: 'http' };
}

/**
 * How long to wait after failed attempt number `attempt` (1-based).
 * Exponential from the base, doubling, capped at the max delay. Jitter adds
 * 0..20% to the uncapped steps only, so retries spread out but never come
 * earlier than the schedule: with the defaults (30 s doubling to 4 h) 15
 * attempts always span more than 24 hours. After a timeout or 429 the wait
 * is at least two base steps (60 s by default); a Retry-After is honoured,
 * clamped to [base, max].
 */
export function nextDelay(
  attempt: number,
  outcome: Extract<AttemptOutcome, { kind: 'retry' }>,
  { baseMs, maxDelayMs }: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (outcome.retryAfterMs !== undefined) {
    return Math.min(maxDelayMs, Math.max(baseMs, outcome.retryAfterMs));
  }
  const exponential = baseMs * 2 ** Math.min(attempt - 1, 40);
  let delay = exponential >= maxDelayMs ? maxDelayMs : Math.min(maxDelayMs, exponential * (1 + 0.2 * random()));
  if (outcome.reason === 'timeout' || outcome.reason === 'rate_limited') delay = Math.max(delay, Math.min(maxDelayMs, 2 * baseMs));
  return Math.round(delay);
}

/**
 * The longest a delivery can stay pending under this policy: every wait is
 * at most `maxDelayMs` (jitter and Retry-After included), and every attempt
 * at most the longest timeout. Counted for the most attempts an endpoint may
 * have, so no endpoint's setting can outlast it. Time spent queued behind
 * other work of the endpoint (a rate limit, a backlog) is not in it.
 */
export function retryWindowMs({ maxDelayMs }: RetryPolicy, maxAttempts: number = MAX_ATTEMPTS_LIMIT): number {
  return (maxAttempts - 1) * maxDelayMs + maxAttempts * MAX_TIMEOUT_MS;
}
