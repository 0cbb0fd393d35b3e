import { describeReason, type DeliveryReason, type DisabledReason } from './delivery-reason.js';
import type { RequestFormat } from './request-format.js';
import type { SentAttempt } from './send-attempt.js';
import { classifyResult, nextDelay, type AttemptResult, type RetryPolicy } from './retry-policy.js';

/** What one attempt is judged on. */
export interface AttemptFacts {
  /** This attempt's number, 1-based. */
  attempt: number;
  /** The delivery's max_attempts. */
  maxAttempts: number;
  /** What the transport got back (HTTP for a webhook, SMTP for an email). */
  result: AttemptResult;
  /** When the attempt finished (ms since the epoch): Retry-After dates are read against it. */
  now: number;
}

/** Why a delivery is dead after an attempt (a metrics label). */
export type DeadBecause = 'attempts_exhausted' | 'gone' | 'blocked' | 'smtp_rejected';

/** What to record for an attempt, and what happens next. */
export interface AttemptDecision {
  /** The attempt's own status. */
  attempt: 'succeeded' | 'failed';
  /** Where the delivery stands after it. */
  delivery: 'delivered' | 'pending' | 'dead';
  /** Wait before the next attempt; set exactly when the delivery stays pending. */
  retryInMs: number | null;
  /** Why the attempt failed; null when it succeeded. */
  reason: DeliveryReason | null;
  /** Why the delivery is dead; null unless it is. */
  deadBecause: DeadBecause | null;
  /** Disable the endpoint now, for this reason (410 Gone); null to leave it. */
  disable: DisabledReason | null;
}

/** The reason of a result that is not a 2xx. */
function reasonOf(result: AttemptResult): DeliveryReason {
  switch (result.kind) {
    case 'response':
      return { kind: 'status', status: result.status };
    case 'smtp':
      return { kind: 'smtp', code: result.code, response: result.response };
    case 'error':
      return { kind: result.error, message: result.message };
  }
}

/**
 * Decides an attempt, like BullMQ's `shouldRetryJob`: a 2xx (HTTP or SMTP)
 * is delivered; 410 Gone, a blocked address and an SMTP 5xx give up at once
 * (410 also disables the endpoint); anything else is retried after the policy's delay until
 * `maxAttempts` is reached, then the delivery is dead. Pure: the caller
 * records the decision and acts on it.
 */
export function decideAttempt(facts: AttemptFacts, policy: RetryPolicy, random: () => number = Math.random): AttemptDecision {
  const outcome = classifyResult(facts.result, facts.now);
  if (outcome.kind === 'delivered') {
    return { attempt: 'succeeded', delivery: 'delivered', retryInMs: null, reason: null, deadBecause: null, disable: null };
  }
  const reason = reasonOf(facts.result);
  if (outcome.kind === 'give_up') {
    return {
      attempt: 'failed',
      delivery: 'dead',
      retryInMs: null,
      reason,
      deadBecause: outcome.reason,
      disable: outcome.reason === 'gone' ? 'gone' : null,
    };
  }
  if (facts.attempt >= facts.maxAttempts) {
    return { attempt: 'failed', delivery: 'dead', retryInMs: null, reason, deadBecause: 'attempts_exhausted', disable: null };
  }
  return { attempt: 'failed', delivery: 'pending', retryInMs: nextDelay(facts.attempt, outcome, policy, random), reason, deadBecause: null, disable: null };
}

/** What an attempt row records of the attempt itself: what was sent, what came back, and the decision's status and reason. */
export interface AttemptFields {
  status: 'succeeded' | 'failed';
  requestHeaders: Record<string, string>;
  /** How the body was made (the body itself is rebuilt from the event with it). */
  requestFormat: RequestFormat;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  latencyMs: number;
  error: string | null;
  createdAt: Date;
}

/** The attempt row's own fields, from what was sent and what was decided. */
export function attemptFields(sent: SentAttempt, decision: AttemptDecision): AttemptFields {
  const { result } = sent;
  // An email attempt records the SMTP reply code as its status and the reply text as its body.
  const status = result.kind === 'response' ? result.status : result.kind === 'smtp' ? result.code : null;
  return {
    status: decision.attempt,
    requestHeaders: sent.headers,
    requestFormat: sent.format,
    responseStatus: status,
    responseHeaders: result.kind === 'response' ? result.headers : null,
    responseBody: result.kind === 'response' ? result.body : result.kind === 'smtp' ? result.response.slice(0, 4096) : null,
    latencyMs: sent.result.latencyMs,
    error: decision.reason ? describeReason(decision.reason) : null,
    createdAt: sent.finishedAt,
  };
}

/** How a delivery ends without an attempt because of its endpoint, or null when it may be attempted. */
export function endpointStopsDelivery(endpoint: {
  enabled: boolean;
  disabledReason: string | null;
  deletedAt: Date | null;
}): { status: 'cancelled' | 'dead'; reason: DeliveryReason } | null {
  if (endpoint.deletedAt) return { status: 'cancelled', reason: { kind: 'endpoint_deleted' } };
  if (!endpoint.enabled) {
    return { status: 'dead', reason: { kind: 'endpoint_disabled', reason: (endpoint.disabledReason as DisabledReason | null) ?? 'manual' } };
  }
  return null;
}
