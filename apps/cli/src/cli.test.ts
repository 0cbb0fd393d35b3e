import { PassThrough, Writable } from 'node:stream';
import { run } from './cli.js';
import type { CliIo } from './io.js';

/** A stream that keeps what was written. */
class Sink extends Writable {
  text = '';
  isTTY?: boolean;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Sent {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status: number; body?: unknown } | Error;
type Fetch = typeof globalThis.fetch;

/** A fake api: `routes` answers "METHOD /path" (query ignored) in order of calls; every request is recorded. */
function fakeApi(routes: Record<string, Answer | ((sent: Sent) => Answer)>) {
  const sent: Sent[] = [];
  const fetch = (async (input: URL, init: RequestInit) => {
    const url = new URL(String(input));
    const request: Sent = {
      method: init.method ?? 'GET',
      url,
      headers: init.headers as Record<string, string>,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    };
    sent.push(request);
    const route = routes[`${request.method} ${url.pathname}`];
    if (!route) throw new Error(`unexpected ${request.method} ${url.pathname}`);
    const answer = typeof route === 'function' ? route(request) : route;
    if (answer instanceof Error) throw answer;
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status });
  }) as unknown as Fetch;
  return { fetch, sent };
}

const NO_FETCH = (() => {
  throw new Error('no request expected');
}) as unknown as Fetch;

async function herald(argv: string[], { fetch = NO_FETCH, env = {}, stdin }: { fetch?: Fetch; env?: Record<string, string>; stdin?: string } = {}) {
  const stdout = new Sink();
  const stderr = new Sink();
  const input = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (stdin !== undefined) {
    input.isTTY = true;
    input.end(stdin);
  }
  const io: CliIo = {
    stdout,
    stderr,
    stdin: input,
    env: { HERALD_API_URL: 'http://api.test', HERALD_API_KEY: 'herald_admin_k', ...env },
    fetch,
    now: () => new Date('2026-01-08T10:00:00.000Z'),
  };
  const code = await run(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const delivery = (id: string, endpointId = 'ep_1') => ({
  id,
  event_id: `evt_${id}`,
  event_type: 'lead.created',
  endpoint_id: endpointId,
  status: 'dead',
  attempts: 2,
  max_attempts: 2,
  next_attempt_at: null,
  last_response_status: 500,
  last_error: null,
  created_at: '2026-01-08T09:00:00.000Z',
  delivered_at: null,
});
const endpoint = (id: string, enabled = true) => ({ id, name: id, url: 'https://x.test/h', events: ['*'], enabled, disabled_reason: enabled ? null : 'failing' });

describe('herald (argument handling and exit codes)', () => {
  it('--help documents every exit code and the environment, and exits 0', async () => {
    const { code, stdout } = await herald(['--help']);
    expect(code).toBe(0);
    for (const line of ['0  ok', '1  usage error', '2  the api refused', '3  the api is unreachable', '4  partial failure', 'HERALD_API_KEY']) {
      expect(stdout).toContain(line);
    }
  });

  it.each([
    [['nope']],
    [['dlq']],
    [['dlq', 'list', '--limit', '0']],
    [['dlq', 'list', '--since', 'last week']],
    [['endpoints', 'list', '--enabled', 'yes']],
    [['stats', '--window', '2w']],
    [['tenant', 'create']],
    [['dlq', 'replay', '--yes']],
    [['dlq', 'replay', '--all', '--endpoint', 'ep_1', '--yes']],
    [['dlq', 'replay', 'ep_1', '--yes']],
    [['--url', 'ftp://x', 'dlq', 'list']],
  ])('%p is a usage error (exit 1) and sends nothing', async (argv) => {
    const { code, stderr, stdout } = await herald(argv);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error|Usage/);
    expect(stdout).toBe('');
  });

  it('refuses to replay without --yes when stdin is not a terminal, before any request', async () => {
    const { code, stderr } = await herald(['dlq', 'replay', '--all']);
    expect(code).toBe(1);
    expect(stderr).toContain('stdin is not a terminal');
    expect(stderr).toContain('--yes');
  });
});

describe('herald against a fake api', () => {
  it('dlq list --json follows next_cursor up to --limit and prints only JSON', async () => {
    const api = fakeApi({
      'GET /api/v1/outbox': (s) =>
        s.url.searchParams.get('cursor')
          ? { status: 200, body: { data: [delivery('dlv_3')], next_cursor: 'c2' } }
          : { status: 200, body: { data: [delivery('dlv_1'), delivery('dlv_2')], next_cursor: 'c1' } },
    });
    const { code, stdout, stderr } = await herald(['dlq', 'list', '--limit', '3', '--since', '2h', '--json', '--endpoint', 'ep_1'], { fetch: api.fetch });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({ data: [delivery('dlv_1'), delivery('dlv_2'), delivery('dlv_3')], next_cursor: 'c2' });
    expect(api.sent.map((s) => Object.fromEntries(s.url.searchParams))).toEqual([
      { status: 'dead', endpoint_id: 'ep_1', since: '2026-01-08T08:00:00.000Z', limit: '3' },
      { status: 'dead', endpoint_id: 'ep_1', since: '2026-01-08T08:00:00.000Z', limit: '1', cursor: 'c1' },
    ]);
    expect(api.sent[0]!.headers.authorization).toBe('Bearer herald_admin_k');
  });

  it('--key and --url win over the environment; no key means no Authorization header', async () => {
    const api = fakeApi({ 'GET /herald/api/v1/endpoints': { status: 200, body: { data: [], next_cursor: null } } });
    await herald(['endpoints', 'list', '--url', 'http://other.test/herald/', '--key', 'herald_read_x'], { fetch: api.fetch });
    expect(api.sent[0]!.url.origin).toBe('http://other.test');
    expect(api.sent[0]!.headers.authorization).toBe('Bearer herald_read_x');
    await herald(['endpoints', 'list', '--url', 'http://other.test/herald'], { fetch: api.fetch, env: { HERALD_API_KEY: '' } });
    expect(api.sent[1]!.headers.authorization).toBeUndefined();
  });

  it('a 401 prints the api message and a hint about HERALD_API_KEY, exit 2', async () => {
    const api = fakeApi({
      'GET /api/v1/outbox': { status: 401, body: { error: { code: 'unauthorized', message: 'Invalid or revoked API key.', details: [] } } },
    });
    const { code, stdout, stderr } = await herald(['dlq', 'list', '--json'], { fetch: api.fetch });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('error: Invalid or revoked API key. (401 unauthorized)');
    expect(stderr).toMatch(/hint: .*HERALD_API_KEY/);
  });

  it('a 4xx prints the api details under the message', async () => {
    const api = fakeApi({
      'GET /api/v1/endpoints': {
        status: 400,
        body: { error: { code: 'validation_failed', message: 'The query is invalid.', details: [{ path: 'event_type', message: 'bad name' }] } },
      },
    });
    const { code, stderr } = await herald(['endpoints', 'list', '--event-type', 'X'], { fetch: api.fetch });
    expect(code).toBe(2);
    expect(stderr).toContain('  - event_type: bad name');
  });

  it('a 5xx exits 5, an unreachable api exits 3 with the reason', async () => {
    const failing = fakeApi({ 'GET /api/v1/endpoints': { status: 503, body: { error: { code: 'unavailable', message: 'PostgreSQL is unreachable.', details: [] } } } });
    expect((await herald(['endpoints', 'list'], { fetch: failing.fetch })).code).toBe(5);

    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:3000'), { code: 'ECONNREFUSED' }) });
    const down = fakeApi({ 'GET /api/v1/endpoints': refused });
    const { code, stderr } = await herald(['endpoints', 'list'], { fetch: down.fetch });
    expect(code).toBe(3);
    expect(stderr).toContain('error: cannot reach the Herald api at http://api.test: connect ECONNREFUSED 10.0.0.1:3000');
  });

  it('replays delivery ids one by one; a refused one makes it a partial failure (exit 4)', async () => {
    const api = fakeApi({
      'POST /api/v1/outbox/dlv_1/replay': { status: 202, body: delivery('dlv_1') },
      'POST /api/v1/outbox/dlv_2/replay': { status: 409, body: { error: { code: 'conflict', message: 'The delivery is already pending.', details: [] } } },
      'POST /api/v1/outbox/dlv_3/replay': { status: 202, body: delivery('dlv_3') },
    });
    const { code, stdout, stderr } = await herald(['dlq', 'replay', 'dlv_1', 'dlv_2', 'dlv_3', '--yes', '--json'], { fetch: api.fetch });
    expect(code).toBe(4);
    expect(JSON.parse(stdout)).toEqual({
      replayed: 2,
      failed: [{ id: 'dlv_2', status: 409, code: 'conflict', message: 'The delivery is already pending.' }],
    });
    expect(stderr).toContain('dlv_2: The delivery is already pending. (409 conflict)');
    expect(stderr).toContain('replaying 3/3');
  });

  it('exits 2 when every id is refused, and stops at once on a 401', async () => {
    const notFound = fakeApi({ 'POST /api/v1/outbox/dlv_1/replay': { status: 404, body: { error: { code: 'not_found', message: 'no', details: [] } } } });
    expect((await herald(['dlq', 'replay', 'dlv_1', '--yes'], { fetch: notFound.fetch })).code).toBe(2);

    const badKey = fakeApi({
      'POST /api/v1/outbox/dlv_1/replay': { status: 401, body: { error: { code: 'unauthorized', message: 'Invalid or revoked API key.', details: [] } } },
    });
    const { code, stderr } = await herald(['dlq', 'replay', 'dlv_1', 'dlv_2', '--yes'], { fetch: badKey.fetch });
    expect(code).toBe(2);
    expect(badKey.sent).toHaveLength(1);
    expect(stderr).toContain('HERALD_API_KEY');
  });

  function bulkApi() {
    return fakeApi({
      'GET /api/v1/endpoints/ep_1': { status: 200, body: endpoint('ep_1') },
      'GET /api/v1/outbox': { status: 200, body: { data: [delivery('dlv_1'), delivery('dlv_2'), delivery('dlv_3', 'ep_off')], next_cursor: null } },
      'GET /api/v1/endpoints': { status: 200, body: { data: [endpoint('ep_1')], next_cursor: null } },
      'POST /api/v1/outbox/replay': { status: 202, body: { replayed: 2 } },
    });
  }

  it('asks before a bulk replay, showing how many the api will take; yes replays', async () => {
    const api = bulkApi();
    const { code, stdout, stderr } = await herald(['dlq', 'replay', '--all'], { fetch: api.fetch, stdin: 'y\n' });
    expect(code).toBe(0);
    expect(stderr).toContain('1 dead delivery belongs to disabled or deleted endpoints');
    expect(stderr).toContain('Replay 2 dead deliveries of all endpoints? [y/N]');
    expect(stdout).toBe('Replayed 2 dead deliveries: queued for delivery now.\n');
    expect(api.sent.at(-1)).toMatchObject({ method: 'POST', body: { status: 'dead' } });
  });

  it('anything but yes at the prompt replays nothing (exit 1)', async () => {
    const api = bulkApi();
    const { code, stderr } = await herald(['dlq', 'replay', '--endpoint', 'ep_1'], { fetch: api.fetch, stdin: '\n' });
    expect(code).toBe(1);
    expect(stderr).toContain('Replay 2 dead deliveries of endpoint ep_1? [y/N]');
    expect(stderr).toContain('nothing was replayed');
    expect(api.sent.some((s) => s.method === 'POST')).toBe(false);
  });

  it('--endpoint --yes checks the endpoint and posts its filter', async () => {
    const api = bulkApi();
    const { code, stdout } = await herald(['dlq', 'replay', '--endpoint', 'ep_1', '--event-type', 'lead.created', '--yes', '--json'], {
      fetch: api.fetch,
    });
    expect(code).toBe(0);
    expect(stdout).toBe('{"replayed":2}\n');
    expect(api.sent.map((s) => `${s.method} ${s.url.pathname}`)).toEqual(['GET /api/v1/endpoints/ep_1', 'POST /api/v1/outbox/replay']);
    expect(api.sent[1]!.body).toEqual({ status: 'dead', endpoint_id: 'ep_1', event_type: 'lead.created' });
  });

  it('stats without --endpoint prints a row per endpoint', async () => {
    const stats = { window: '24h', delivered: 7, failed_attempts: 3, pending: 0, dead: 1, success_rate: 0.7, p50_latency_ms: 12, p99_latency_ms: 80 };
    const api = fakeApi({
      'GET /api/v1/endpoints': { status: 200, body: { data: [endpoint('ep_1'), endpoint('ep_2', false)], next_cursor: null } },
      'GET /api/v1/endpoints/ep_1/stats': { status: 200, body: stats },
      'GET /api/v1/endpoints/ep_2/stats': { status: 200, body: { ...stats, delivered: 0 } },
    });
    const { code, stdout } = await herald(['stats'], { fetch: api.fetch });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^ENDPOINT\s+NAME\s+STATE\s+DELIVERED\s+FAILED ATTEMPTS\s+PENDING\s+DEAD\s+SUCCESS\s+P50\s+P99$/);
    expect(lines[2]).toMatch(/^ep_1\s+ep_1\s+enabled\s+7\s+3\s+0\s+1\s+70\.0%\s+12 ms\s+80 ms$/);
    expect(lines[3]).toMatch(/^ep_2\s+ep_2\s+disabled \(failing\)\s+0\s/);
  });
});
