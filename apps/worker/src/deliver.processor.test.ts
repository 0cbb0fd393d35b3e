import { randomBytes } from 'node:crypto';
import { createLogger, createSecretBox } from '@herald/core';
import type { AttemptRecord, DeliveryContext, DeliveryEndpoint } from '@herald/db';
import { RetryLaterError, SigningKeyCache, type DeliveryReason, type DisabledReason } from '@herald/delivery';
import type { OutboundRequest, OutboundResult } from '@herald/outbound';
import { INLINE_EVENT_TRUST_MS } from '@herald/queue';
import { generateSecret, verify } from '@herald/signing';
import { createMetricsRegistry } from '@herald/http';
import { createDeliverProcessor, type DeliverDeps, type DeliveryRun } from './deliver.processor.js';
import { createWorkerMetrics } from './worker-metrics.js';

const secretBox = createSecretBox(randomBytes(32));
const secret = generateSecret();

const endpoint: DeliveryEndpoint = {
  id: 'ep_1',
  tenantId: 'tnt_1',
  url: 'https://receiver.example/hook',
  enabled: true,
  disabledReason: null,
  deletedAt: null,
  timeoutMs: 1_000,
  rateLimitPerSecond: null,
  headers: { 'X-Team': 'crm' },
  secretCiphertext: secretBox.encrypt(secret),
  previousSecretCiphertext: null,
  previousSecretExpiresAt: null,
  signature: { scheme: 'standard-webhooks' },
  bodyFormat: 'envelope',
  schemaVersion: '2025-01-01',
  signingKeyCiphertext: null,
  previousSigningKeyCiphertext: null,
  ordering: 'none',
  tenantName: 'Acme',
  tenantExternalId: null,
};

/** A stored delivery as PostgreSQL would return it. */
function stored(overrides: Partial<DeliveryContext> = {}): DeliveryContext {
  return {
    id: 'dlv_1',
    tenantId: 'tnt_1',
    eventId: 'evt_1',
    endpointId: 'ep_1',
    status: 'pending',
    attempts: 0,
    maxAttempts: 3,
    event: { id: 'evt_1', tenantId: 'tnt_1', eventType: 'order.created', createdAt: new Date(), payload: '{"n":1}' },
    endpoint,
    ...overrides,
  };
}

/** The processor with a fake transport and fake repositories; what each was asked. */
function harness(answer: OutboundResult, context: DeliveryContext | null = stored(), overrides: Partial<DeliverDeps> = {}) {
  const sent: OutboundRequest[] = [];
  const recorded: AttemptRecord[] = [];
  const finished: [string, 'dead' | 'cancelled', DeliveryReason][] = [];
  const disabled: [string, DisabledReason][] = [];
  const loads: string[] = [];
  const stateChecks: string[] = [];
  const metrics = createWorkerMetrics(createMetricsRegistry('test'), { inFlight: () => 0, backlog: async () => ({ ready: 0, scheduled: 0 }), oldestRetainedAt: async () => null });
  const deliver = createDeliverProcessor({
    loadContext: async ({ deliveryId }) => {
      loads.push(deliveryId);
      return context;
    },
    loadState: async ({ deliveryId }) => {
      stateChecks.push(deliveryId);
      return context && { status: context.status, attempts: context.attempts };
    },
    endpoints: { get: async (tenantId, id) => (tenantId === endpoint.tenantId && id === endpoint.id ? endpoint : null) },
    finish: async (_tenantId, deliveryId, status, reason) => void finished.push([deliveryId, status, reason]),
    attempts: { record: async (r) => void recorded.push(r) },
    health: { disable: async (_tenantId, id, reason) => void disabled.push([id, reason]) },
    // Unordered endpoints never ask (fifo is driven end to end: tests/e2e fifo-ordering).
    turns: {
      check: async () => {
        throw new Error('an unordered delivery asked for its turn');
      },
      finished: async () => {
        throw new Error('an unordered delivery passed a turn');
      },
    },
    email: null,
    sender: {
      transport: {
        post: async (request) => {
          sent.push(request);
          return answer;
        },
        close: () => undefined,
      },
      signingKeys: new SigningKeyCache(secretBox),
      headerPrefix: 'X-Herald',
      userAgent: 'Herald/test',
      environment: null,
    },
    retry: { baseMs: 1_000, maxDelayMs: 60_000 },
    logger: createLogger({ service: 'test', level: 'error' }),
    metrics,
    ...overrides,
  });
  return { deliver, sent, recorded, finished, disabled, loads, stateChecks, metrics };
}

const ok: OutboundResult = { kind: 'response', status: 204, headers: {}, body: '', latencyMs: 4 };
const serverError: OutboundResult = { kind: 'response', status: 500, headers: {}, body: 'boom', latencyMs: 4 };

/** A first try of ingest's job, carrying its event, created `ageMs` ago. */
function inlineRun(ageMs = 0): DeliveryRun {
  return {
    deliveryId: 'dlv_1',
    tenantId: 'tnt_1',
    endpointId: 'ep_1',
    maxAttempts: 3,
    firstTry: true,
    dueAt: Date.now() - ageMs,
    event: { eventId: 'evt_1', eventType: 'order.created', createdAt: new Date(Date.now() - ageMs).toISOString(), payload: '{"n":1}' },
  };
}

describe('deliver processor', () => {
  it("sends a fresh job's inline event without reading the delivery, signed, and records it delivered", async () => {
    const h = harness(ok, null);
    expect(await h.deliver(inlineRun())).toBe('delivered');
    expect(h.loads).toEqual([]);
    expect(h.sent).toHaveLength(1);
    const request = h.sent[0]!;
    expect(request.url).toBe(endpoint.url);
    expect(request.headers['X-Team']).toBe('crm');
    expect(() => verify({ body: request.body, headers: request.headers, secret })).not.toThrow();
    expect(JSON.parse(request.body)).toMatchObject({ event_id: 'evt_1', payload: { n: 1 } });
    expect(h.recorded).toHaveLength(1);
    expect(h.recorded[0]!.attempt).toMatchObject({ deliveryId: 'dlv_1', attempt: 1, status: 'succeeded', responseStatus: 204, error: null });
    expect(h.recorded[0]!.update).toMatchObject({ status: 'delivered', nextAttemptAt: null, lastError: null });
  });

  it('checks the delivery of an inline job older than the trust window, and skips it once delivered', async () => {
    const h = harness(ok, stored({ status: 'delivered', attempts: 1 }));
    expect(await h.deliver(inlineRun(INLINE_EVENT_TRUST_MS + 1_000))).toBe('skipped');
    expect(h.stateChecks).toEqual(['dlv_1']);
    expect(h.loads).toEqual(['dlv_1']);
    expect(h.sent).toEqual([]);
    expect(h.recorded).toEqual([]);
  });

  it("sends an older inline job's own event when its delivery is still pending and never attempted", async () => {
    // The stored context differs from the job's event: were it read, the body would say so.
    const h = harness(ok, stored({ event: { ...stored().event, payload: '{"n":2}' } }));
    expect(await h.deliver(inlineRun(INLINE_EVENT_TRUST_MS + 1_000))).toBe('delivered');
    expect(h.stateChecks).toEqual(['dlv_1']);
    expect(h.loads).toEqual([]);
    expect(JSON.parse(h.sent[0]!.body)).toMatchObject({ event_id: 'evt_1', payload: { n: 1 } });
    expect(h.recorded[0]!.attempt).toMatchObject({ deliveryId: 'dlv_1', attempt: 1, status: 'succeeded' });
  });

  it('reads an older inline job\'s delivery when another job already attempted it, and numbers the attempt after those', async () => {
    const h = harness(ok, stored({ attempts: 2 }));
    expect(await h.deliver(inlineRun(INLINE_EVENT_TRUST_MS + 1_000))).toBe('delivered');
    expect(h.loads).toEqual(['dlv_1']);
    expect(h.recorded[0]!.attempt).toMatchObject({ attempt: 3 });
  });

  it("does not check a fresh inline job's delivery", async () => {
    const h = harness(ok);
    expect(await h.deliver(inlineRun(INLINE_EVENT_TRUST_MS - 1_000))).toBe('delivered');
    expect(h.stateChecks).toEqual([]);
    expect(h.loads).toEqual([]);
  });

  it("measures how long a first try's job waited for a worker, and not a retry's", async () => {
    const h = harness(ok);
    const series = async (suffix: 'sum' | 'count') =>
      (await h.metrics.queueWait.get()).values.find((v) => v.metricName === `herald_delivery_queue_wait_seconds_${suffix}` && v.labels.kind === 'webhook')?.value;
    const sum = () => series('sum');
    const count = () => series('count');
    expect(await h.deliver({ ...inlineRun(), dueAt: Date.now() - 40 })).toBe('delivered');
    expect(await count()).toBe(1);
    expect(await sum()).toBeGreaterThanOrEqual(0.04);
    expect(await sum()).toBeLessThan(5);
    // Due in the future (a clock ahead of this one): counted as no wait, not a negative one.
    expect(await h.deliver({ ...inlineRun(), dueAt: Date.now() + 60_000 })).toBe('delivered');
    expect(await count()).toBe(2);
    expect(await sum()).toBeGreaterThanOrEqual(0.04);
    expect(await sum()).toBeLessThan(5);
    // A retry or a job handed back after a crash starts when its schedule says: not a wait for a worker.
    expect(await h.deliver({ ...inlineRun(), firstTry: false, dueAt: Date.now() - 60_000 })).toBe('delivered');
    expect(await count()).toBe(2);
  });

  it('reads the delivery for a job that is not a first try, and numbers the attempt after the stored ones', async () => {
    const h = harness(ok, stored({ attempts: 1 }));
    expect(await h.deliver({ ...inlineRun(), firstTry: false })).toBe('delivered');
    expect(h.loads).toEqual(['dlv_1']);
    expect(h.recorded[0]!.attempt.attempt).toBe(2);
    expect(h.sent[0]!.headers['X-Herald-Attempt']).toBe('2');
  });

  it('cancels without sending when the endpoint was deleted, and kills when it was disabled', async () => {
    const deleted = harness(ok, stored({ endpoint: { ...endpoint, enabled: false, deletedAt: new Date() } }));
    expect(await deleted.deliver({ ...inlineRun(), firstTry: false })).toBe('cancelled');
    expect(deleted.finished).toEqual([['dlv_1', 'cancelled', { kind: 'endpoint_deleted' }]]);
    const disabled = harness(ok, stored({ endpoint: { ...endpoint, enabled: false, disabledReason: 'failing' } }));
    expect(await disabled.deliver({ ...inlineRun(), firstTry: false })).toBe('dead');
    expect(disabled.finished).toEqual([['dlv_1', 'dead', { kind: 'endpoint_disabled', reason: 'failing' }]]);
    expect([...deleted.sent, ...disabled.sent]).toEqual([]);
  });

  it('records a failed attempt as pending and throws RetryLaterError with the policy delay', async () => {
    const h = harness(serverError);
    const error = await h.deliver(inlineRun()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).delayMs).toBeGreaterThanOrEqual(1_000);
    expect(h.recorded[0]!.attempt).toMatchObject({ status: 'failed', responseStatus: 500, responseBody: 'boom', error: 'HTTP 500' });
    expect(h.recorded[0]!.update.status).toBe('pending');
    expect(h.recorded[0]!.update.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('makes the delivery dead on its last attempt, and disables the endpoint on 410 Gone', async () => {
    const last = harness(serverError, stored({ attempts: 2 }));
    expect(await last.deliver({ ...inlineRun(), firstTry: false })).toBe('dead');
    expect(last.recorded[0]!.update).toMatchObject({ status: 'dead', lastError: 'HTTP 500' });
    expect(last.disabled).toEqual([]);
    const gone = harness({ ...ok, status: 410 });
    expect(await gone.deliver(inlineRun())).toBe('dead');
    expect(gone.disabled).toEqual([['ep_1', 'gone']]);
  });

  it('lets a delivered job go before its attempt is committed once the delivery is listed, and otherwise waits for the commit', async () => {
    /** A record that commits when told. */
    const pendingRecord = () => {
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      return { committed, commit };
    };
    const first = pendingRecord();
    const listed: string[] = [];
    const letGo = harness(ok, null, {
      attempts: { record: () => first.committed },
      unrecorded: { letGo: async (spec) => (listed.push(`${spec.tenantId}/${spec.endpointId}/${spec.deliveryId}/${spec.maxAttempts}`), true) },
    });
    expect(await letGo.deliver(inlineRun())).toBe('delivered'); // the commit has not happened
    expect(listed).toEqual(['tnt_1/ep_1/dlv_1/3']);
    first.commit();

    // No room to list it: the job ends only with its commit.
    const second = pendingRecord();
    const waits = harness(ok, null, { attempts: { record: () => second.committed }, unrecorded: { letGo: async () => false } });
    let ended = false;
    const done = waits.deliver(inlineRun()).finally(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ended).toBe(false);
    second.commit();
    expect(await done).toBe('delivered');

    // A failed attempt is never let go: its retry needs the record first.
    const asked: string[] = [];
    const retry = harness(serverError, stored(), { unrecorded: { letGo: async (spec) => (asked.push(spec.deliveryId), true) } });
    await expect(retry.deliver(inlineRun())).rejects.toBeInstanceOf(RetryLaterError);
    expect(asked).toEqual([]);
  });
});
