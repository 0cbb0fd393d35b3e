import { classifyResult, nextDelay, parseRetryAfter, retryWindowMs } from './retry-policy.js';

const policy = { baseMs: 30_000, maxDelayMs: 4 * 60 * 60 * 1000 };
const httpFailure = { kind: 'retry', reason: 'http' } as const;
const response = (status: number, headers: Record<string, string> = {}) =>
  ({ kind: 'response', status, headers, body: '', latencyMs: 5 }) as const;

describe('nextDelay', () => {
  it('doubles from the base and stops at the max delay', () => {
    const delays = [1, 2, 3, 4, 5, 9, 10, 11, 14].map((n) => nextDelay(n, httpFailure, policy, () => 0));
    expect(delays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 7_680_000, policy.maxDelayMs, policy.maxDelayMs, policy.maxDelayMs]);
  });

  it('adds up to 20% jitter to uncapped steps, never less than the schedule, never over the max', () => {
    expect(nextDelay(1, httpFailure, policy, () => 0.999)).toBe(35_994);
    expect(nextDelay(9, httpFailure, policy, () => 0.999)).toBe(9_214_464);
    expect(nextDelay(10, httpFailure, policy, () => 0.999)).toBe(policy.maxDelayMs);
    const spread = new Set(Array.from({ length: 50 }, () => nextDelay(3, httpFailure, policy)));
    expect(spread.size).toBeGreaterThan(10);
    for (const d of spread) expect(d).toBeGreaterThanOrEqual(120_000);
  });

  it('makes the default 15 attempts span more than 24 hours whatever the jitter', () => {
    for (const random of [() => 0, () => 0.5, () => 0.999999]) {
      let total = 0;
      for (let attempt = 1; attempt < 15; attempt++) total += nextDelay(attempt, httpFailure, policy, random);
      expect(total).toBeGreaterThan(24 * 60 * 60 * 1000);
    }
  });

  it('waits at least two base steps after a timeout or a 429', () => {
    expect(nextDelay(1, { kind: 'retry', reason: 'timeout' }, policy, () => 0)).toBe(60_000);
    expect(nextDelay(1, { kind: 'retry', reason: 'rate_limited' }, policy, () => 0)).toBe(60_000);
    expect(nextDelay(5, { kind: 'retry', reason: 'timeout' }, policy, () => 0)).toBe(480_000);
    expect(nextDelay(1, { kind: 'retry', reason: 'network' }, policy, () => 0)).toBe(30_000);
  });

  it('honours Retry-After, clamped between the base and the max delay', () => {
    expect(nextDelay(1, { ...httpFailure, retryAfterMs: 120_000 }, policy)).toBe(120_000);
    expect(nextDelay(1, { ...httpFailure, retryAfterMs: 1000 }, policy)).toBe(30_000);
    expect(nextDelay(1, { ...httpFailure, retryAfterMs: 10 * 24 * 3600 * 1000 }, policy)).toBe(policy.maxDelayMs);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-08T10:00:00.000Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 08 Jan 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('Thu, 08 Jan 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('classifyResult', () => {
  const now = Date.now();

  it('counts only 2xx as delivered; 3xx and 4xx/5xx are retried', () => {
    expect(classifyResult(response(200), now)).toEqual({ kind: 'delivered' });
    expect(classifyResult(response(204), now)).toEqual({ kind: 'delivered' });
    expect(classifyResult(response(302, { location: 'https://elsewhere.example' }), now)).toEqual(httpFailure);
    expect(classifyResult(response(400), now)).toEqual(httpFailure);
    expect(classifyResult(response(500), now)).toEqual(httpFailure);
  });

  it('gives up on 410 Gone and on a blocked address', () => {
    expect(classifyResult(response(410), now)).toEqual({ kind: 'give_up', reason: 'gone' });
    expect(classifyResult({ kind: 'error', error: 'blocked', message: 'blocked', latencyMs: 1 }, now)).toEqual({
      kind: 'give_up',
      reason: 'blocked',
    });
  });

  it('reads Retry-After on 429 and 503', () => {
    expect(classifyResult(response(429, { 'retry-after': '7' }), now)).toEqual({ kind: 'retry', reason: 'rate_limited', retryAfterMs: 7000 });
    expect(classifyResult(response(503, { 'retry-after': '3' }), now)).toEqual({ kind: 'retry', reason: 'http', retryAfterMs: 3000 });
    expect(classifyResult(response(429), now)).toEqual({ kind: 'retry', reason: 'rate_limited', retryAfterMs: undefined });
  });

  it('retries timeouts and network errors', () => {
    expect(classifyResult({ kind: 'error', error: 'timeout', message: 't', latencyMs: 1 }, now)).toEqual({ kind: 'retry', reason: 'timeout' });
    expect(classifyResult({ kind: 'error', error: 'network', message: 'n', latencyMs: 1 }, now)).toEqual({ kind: 'retry', reason: 'network' });
  });
});

describe('retryWindowMs', () => {
  it('bounds how long the most attempts an endpoint may have can stay pending, whatever the outcomes', () => {
    const window = retryWindowMs(policy);
    // With the defaults: 49 waits of at most 4 h and 50 attempts of at most 30 s, a little over 8 days.
    expect(window).toBe(49 * policy.maxDelayMs + 50 * 30_000);
    for (const random of [() => 0, () => 0.999999]) {
      for (const outcome of [httpFailure, { kind: 'retry', reason: 'timeout' } as const, { kind: 'retry', reason: 'rate_limited', retryAfterMs: 10 ** 12 } as const]) {
        let total = 0;
        for (let attempt = 1; attempt < 50; attempt++) total += nextDelay(attempt, outcome, policy, random) + 30_000;
        expect(total + 30_000).toBeLessThanOrEqual(window);
      }
    }
  });

  it('grows with the max delay and the number of attempts', () => {
    expect(retryWindowMs({ baseMs: 50, maxDelayMs: 400 }, 15)).toBe(14 * 400 + 15 * 30_000);
    expect(retryWindowMs({ ...policy, maxDelayMs: 24 * 60 * 60 * 1000 })).toBeGreaterThan(30 * 24 * 60 * 60 * 1000);
  });
});
