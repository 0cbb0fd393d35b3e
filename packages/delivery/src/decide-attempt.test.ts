import type { OutboundResult } from '@herald/outbound';
import { decideAttempt, endpointStopsDelivery, type AttemptDecision } from './decide-attempt.js';
import type { AttemptResult } from './retry-policy.js';
import { describeReason } from './delivery-reason.js';

const policy = { baseMs: 1_000, maxDelayMs: 60_000 };
const NOW = Date.parse('2026-01-08T10:00:00.000Z');
const response = (status: number, headers: Record<string, string> = {}): OutboundResult => ({ kind: 'response', status, headers, body: '', latencyMs: 3 });
const failure = (error: 'timeout' | 'network' | 'blocked', message: string): OutboundResult => ({ kind: 'error', error, message, latencyMs: 3 });

const delivered: AttemptDecision = { attempt: 'succeeded', delivery: 'delivered', retryInMs: null, reason: null, deadBecause: null, disable: null };
const retry = (retryInMs: number, reason: AttemptDecision['reason']): AttemptDecision => ({
  attempt: 'failed',
  delivery: 'pending',
  retryInMs,
  reason,
  deadBecause: null,
  disable: null,
});
const dead = (reason: AttemptDecision['reason'], deadBecause: AttemptDecision['deadBecause'], disable: AttemptDecision['disable'] = null): AttemptDecision => ({
  attempt: 'failed',
  delivery: 'dead',
  retryInMs: null,
  reason,
  deadBecause,
  disable,
});

describe('decideAttempt', () => {
  it.each<[string, number, number, OutboundResult, AttemptDecision]>([
    ['a 2xx is delivered', 1, 3, response(200), delivered],
    ['a 2xx on the last attempt is delivered', 3, 3, response(204), delivered],
    ['a 500 is retried after the base delay', 1, 3, response(500), retry(1_000, { kind: 'status', status: 500 })],
    ['the delay doubles with the attempt number', 3, 5, response(500), retry(4_000, { kind: 'status', status: 500 })],
    ['a 500 on the last attempt is dead: attempts exhausted', 3, 3, response(500), dead({ kind: 'status', status: 500 }, 'attempts_exhausted')],
    ['one attempt allowed: a failure is dead at once', 1, 1, response(502), dead({ kind: 'status', status: 502 }, 'attempts_exhausted')],
    ['a 3xx is a failure (redirects are not followed)', 1, 3, response(302, { location: 'https://x.example' }), retry(1_000, { kind: 'status', status: 302 })],
    ['410 Gone is dead at once and disables the endpoint', 1, 15, response(410), dead({ kind: 'status', status: 410 }, 'gone', 'gone')],
    ['410 on the last attempt is still "gone"', 3, 3, response(410), dead({ kind: 'status', status: 410 }, 'gone', 'gone')],
    ['a 429 with Retry-After in seconds waits that long', 1, 3, response(429, { 'retry-after': '7' }), retry(7_000, { kind: 'status', status: 429 })],
    ['a 503 with Retry-After as a date waits until then', 1, 3, response(503, { 'retry-after': new Date(NOW + 9_000).toUTCString() }), retry(9_000, { kind: 'status', status: 503 })],
    ['Retry-After is capped at the max delay', 1, 3, response(429, { 'retry-after': '86400' }), retry(60_000, { kind: 'status', status: 429 })],
    ['a 429 without Retry-After waits at least two base steps', 1, 3, response(429), retry(2_000, { kind: 'status', status: 429 })],
    ['a timeout waits at least two base steps', 1, 3, failure('timeout', 'no answer within 1000 ms'), retry(2_000, { kind: 'timeout', message: 'no answer within 1000 ms' })],
    ['a network error is retried after the base delay', 1, 3, failure('network', 'connect ECONNREFUSED'), retry(1_000, { kind: 'network', message: 'connect ECONNREFUSED' })],
    ['a blocked address is dead at once, the endpoint left alone', 1, 15, failure('blocked', 'blocked: 10.0.0.1 is private'), dead({ kind: 'blocked', message: 'blocked: 10.0.0.1 is private' }, 'blocked')],
  ])('%s', (_name, attempt, maxAttempts, result, expected) => {
    expect(decideAttempt({ attempt, maxAttempts, result, now: NOW }, policy, () => 0)).toEqual(expected);
  });

  it('adds jitter upward only', () => {
    for (const random of [0, 0.5, 0.999]) {
      const { retryInMs } = decideAttempt({ attempt: 2, maxAttempts: 5, result: response(500), now: NOW }, policy, () => random);
      expect(retryInMs).toBeGreaterThanOrEqual(2_000);
      expect(retryInMs).toBeLessThanOrEqual(2_400);
    }
  });
});

describe('endpointStopsDelivery', () => {
  it.each([
    ['an enabled endpoint lets it be attempted', { enabled: true, disabledReason: null, deletedAt: null }, null],
    ['a deleted endpoint cancels it', { enabled: false, disabledReason: null, deletedAt: new Date() }, { status: 'cancelled', reason: { kind: 'endpoint_deleted' } }],
    ['a disabled endpoint makes it dead, with why', { enabled: false, disabledReason: 'failing', deletedAt: null }, { status: 'dead', reason: { kind: 'endpoint_disabled', reason: 'failing' } }],
    ['disabled without a reason counts as by hand', { enabled: false, disabledReason: null, deletedAt: null }, { status: 'dead', reason: { kind: 'endpoint_disabled', reason: 'manual' } }],
  ])('%s', (_name, endpoint, expected) => {
    expect(endpointStopsDelivery(endpoint)).toEqual(expected);
  });
});

describe('describeReason', () => {
  it.each([
    [{ kind: 'status', status: 503 }, 'HTTP 503'],
    [{ kind: 'timeout', message: 'no answer within 1000 ms' }, 'no answer within 1000 ms'],
    [{ kind: 'endpoint_disabled', reason: 'gone' }, 'endpoint disabled (gone)'],
    [{ kind: 'endpoint_deleted' }, 'endpoint deleted'],
  ] as const)('%j reads %j', (reason, text) => {
    expect(describeReason(reason)).toBe(text);
  });
});

describe('decideAttempt for an email (SMTP replies)', () => {
  const smtp = (code: number, response: string): AttemptResult => ({ kind: 'smtp', code, response, latencyMs: 4 });
  it.each<[string, number, number, AttemptResult, AttemptDecision]>([
    ['250 is delivered', 1, 3, smtp(250, '250 OK queued'), delivered],
    ['421 is retried after the base delay', 1, 3, smtp(421, '421 Try again later'), retry(1_000, { kind: 'smtp', code: 421, response: '421 Try again later' })],
    ['450 on the last attempt is dead: attempts exhausted', 3, 3, smtp(450, '450 mailbox busy'), dead({ kind: 'smtp', code: 450, response: '450 mailbox busy' }, 'attempts_exhausted')],
    ['550 is dead at once with the reply', 1, 15, smtp(550, '550 5.1.1 user unknown'), dead({ kind: 'smtp', code: 550, response: '550 5.1.1 user unknown' }, 'smtp_rejected')],
    ['no answer from the server is retried', 1, 3, failure('network', 'connect ECONNREFUSED 127.0.0.1:25'), retry(1_000, { kind: 'network', message: 'connect ECONNREFUSED 127.0.0.1:25' })],
  ])('%s', (_name, attempt, maxAttempts, result, expected) => {
    expect(decideAttempt({ attempt, maxAttempts, result, now: NOW }, policy, () => 0)).toEqual(expected);
  });

  it('describes an SMTP reply with its code once', () => {
    expect(describeReason({ kind: 'smtp', code: 550, response: '550 5.1.1 user unknown' })).toBe('SMTP 550 5.1.1 user unknown');
    expect(describeReason({ kind: 'smtp', code: 421, response: 'Try again later' })).toBe('SMTP 421 Try again later');
  });
});
