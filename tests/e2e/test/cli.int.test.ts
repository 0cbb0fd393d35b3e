import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI_BIN = join(ROOT, 'apps/cli/bin/herald.js');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real built `herald` (bin/herald.js → dist/main.js) in an empty
 * folder, stdin a closed pipe (not a terminal), with only PATH from this
 * process so no developer HERALD_* variable leaks in.
 */
function herald(args: string[], env: Record<string, string>): Promise<CliRun> {
  const cwd = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += String(c)));
  child.stderr.on('data', (c) => (stderr += String(c)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('herald CLI against a real stack', () => {
  let stack: Stack;
  const receivers: Receiver[] = [];
  let typeCounter = 0;

  beforeAll(async () => {
    // turbo's test task builds @herald/cli first; a bare `npm test` here may not have.
    if (!existsSync(join(ROOT, 'apps/cli/dist/main.js'))) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'apps/cli/tsconfig.build.json')], {
        stdio: 'inherit',
      });
    }
    stack = await startStack({ HERALD_RETRY_BASE_MS: '50', HERALD_RETRY_MAX_DELAY_MS: '200' });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack?.stop();
  });

  type Tenant = Awaited<ReturnType<typeof createTenant>>;

  /** `herald` as the tenant's admin. */
  const as = (tenant: Tenant, args: string[]) => herald(args, { HERALD_API_URL: stack.api.url, HERALD_API_KEY: tenant.admin });

  /** A receiver that answers 500 until `receiver.reply` says otherwise. */
  async function failingReceiver(): Promise<Receiver> {
    const r = await startReceiver(() => ({ status: 500, body: 'down' }));
    receivers.push(r);
    return r;
  }

  /** A fresh tenant with one event type and an endpoint on `url` (max_attempts 2). */
  async function tenantWithEndpoint(url: string): Promise<{ tenant: Tenant; endpointId: string; type: string }> {
    const tenant = await createTenant(stack, `CLI ${++typeCounter}`);
    const type = `cli.t${typeCounter}`;
    expect((await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: type } })).status).toBe(201);
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url, name: `receiver ${typeCounter}`, events: [type], max_attempts: 2 },
    });
    expect(endpoint.status).toBe(201);
    return { tenant, endpointId: endpoint.body.id, type };
  }

  /** Ingests `count` events; answers their event ids. */
  async function send(tenant: Tenant, type: string, count: number): Promise<string[]> {
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: Array.from({ length: count }, (_, i) => ({ event_type: type, payload: { i } })) },
    });
    expect(res.status).toBe(202);
    return res.body.results.map((r: { event_id: string }) => r.event_id);
  }

  /** Waits until the endpoint has `count` deliveries in `status`; answers them. */
  async function deliveries(tenant: Tenant, endpointId: string, status: string, count: number): Promise<{ id: string; event_id: string }[]> {
    return eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${endpointId}&status=${status}`, { token: tenant.read });
      return res.body.data.length === count ? res.body.data : null;
    }, 20_000);
  }

  it('tenant create prints the new keys as JSON with the root token, and is refused without it', async () => {
    const created = await herald(['tenant', 'create', 'Made by CLI', '--json'], { HERALD_API_URL: stack.api.url, HERALD_ROOT_TOKEN: stack.rootToken });
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const tenant = JSON.parse(created.stdout);
    expect(tenant).toMatchObject({ id: expect.stringMatching(/^tnt_/), name: 'Made by CLI', api_keys: { admin: expect.stringMatching(/^herald_admin_/) } });
    const list = await herald(['endpoints', 'list', '--json'], { HERALD_API_URL: stack.api.url, HERALD_API_KEY: tenant.api_keys.admin });
    expect(list).toMatchObject({ code: 0, stdout: '{"data":[]}\n' });

    const refused = await herald(['tenant', 'create', 'Nope'], { HERALD_API_URL: stack.api.url, HERALD_ROOT_TOKEN: 'not-the-root-token' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('This route needs the root token (HERALD_ROOT_TOKEN).');
  });

  it('dlq list shows dead deliveries as JSON and as a table; replay --all without --yes and a terminal is refused', async () => {
    const receiver = await failingReceiver();
    const { tenant, endpointId, type } = await tenantWithEndpoint(receiver.url);
    await send(tenant, type, 2);
    const dead = await deliveries(tenant, endpointId, 'dead', 2);
    const ids = dead.map((d) => d.id).sort();

    const json = await as(tenant, ['dlq', 'list', '--json']);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout);
    expect(listed.data.map((d: { id: string }) => d.id).sort()).toEqual(ids);
    expect(listed.data[0]).toMatchObject({ status: 'dead', endpoint_id: endpointId, attempts: 2, last_response_status: 500 });
    expect(listed.next_cursor).toBeNull();

    const table = await as(tenant, ['dlq', 'list', '--since', '1h', '--endpoint', endpointId]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+EVENT TYPE\s+KIND\s+TO\s+ATTEMPTS\s+LAST RESULT\s+CREATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(ids);
    expect(lines[1]).toContain(`${type}`);
    expect(lines[1]).toMatch(/\s2\/2\s+HTTP 500/);

    const unconfirmed = await as(tenant, ['dlq', 'replay', '--all']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('stdin is not a terminal');
    expect(unconfirmed.stderr).toContain('pass --yes');
    expect(unconfirmed.stdout).toBe('');
    await deliveries(tenant, endpointId, 'dead', 2);
    expect(receiver.requests).toHaveLength(4);
  });

  it('dlq replay <id> --yes sends it again from attempt 1 and it ends delivered', async () => {
    const receiver = await failingReceiver();
    const { tenant, endpointId, type } = await tenantWithEndpoint(receiver.url);
    const [eventId] = await send(tenant, type, 1);
    const [dead] = await deliveries(tenant, endpointId, 'dead', 1);
    await receiver.waitFor(2);
    receiver.reply(() => ({ status: 200 }));
    const before = receiver.requests.length;

    const replay = await as(tenant, ['dlq', 'replay', dead!.id, '--yes']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toBe('Replayed 1 of 1 delivery: queued for delivery now.\n');
    const [request] = (await receiver.waitFor(before + 1)).slice(before);
    expect(request!.headers['x-herald-attempt']).toBe('1');
    expect(request!.headers['webhook-id']).toBe(eventId);
    const delivered = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/outbox/${dead!.id}`, { token: tenant.read });
      return res.body.status === 'delivered' ? res.body : null;
    });
    expect(delivered.attempt_count).toBe(1);

    // Replaying it again while it is delivered is allowed; an unknown id is refused and said so.
    const mixed = await as(tenant, ['dlq', 'replay', 'dlv_unknown', '--yes', '--json']);
    expect(mixed.code).toBe(2);
    expect(JSON.parse(mixed.stdout)).toMatchObject({ replayed: 0, failed: [{ id: 'dlv_unknown', status: 404, code: 'not_found' }] });
  });

  it('dlq replay --all --yes replays 5 dead deliveries once each; a second run replays 0', async () => {
    const receiver = await failingReceiver();
    const { tenant, endpointId, type } = await tenantWithEndpoint(receiver.url);
    const eventIds = await send(tenant, type, 5);
    await deliveries(tenant, endpointId, 'dead', 5);
    await receiver.waitFor(10);
    receiver.reply(() => ({ status: 200 }));
    const before = receiver.requests.length;

    const bulk = await as(tenant, ['dlq', 'replay', '--all', '--yes', '--json']);
    expect(bulk).toMatchObject({ code: 0, stdout: '{"replayed":5}\n' });
    await deliveries(tenant, endpointId, 'delivered', 5);
    await new Promise((r) => setTimeout(r, 500));
    const replayed = receiver.requests.slice(before);
    expect(replayed.map((r) => r.headers['webhook-id']).sort()).toEqual([...eventIds].sort());
    expect(replayed.every((r) => r.headers['x-herald-attempt'] === '1')).toBe(true);

    const again = await as(tenant, ['dlq', 'replay', '--all', '--yes', '--json']);
    expect(again).toMatchObject({ code: 0, stdout: '{"replayed":0}\n' });
    expect(receiver.requests).toHaveLength(before + 5);
  });

  it('endpoints list prints a table with the endpoint; stats --endpoint --json its numbers; stats a row per endpoint', async () => {
    const receiver = await failingReceiver();
    const { tenant, endpointId, type } = await tenantWithEndpoint(receiver.url);
    await send(tenant, type, 1);
    await deliveries(tenant, endpointId, 'dead', 1);

    const list = await as(tenant, ['endpoints', 'list']);
    expect(list.code).toBe(0);
    const [header, row, ...rest] = list.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+URL\s+EVENTS\s+CHANNELS\s+STATE\s+SIGNATURE\s+LAST DELIVERY$/);
    expect(row).toMatch(
      new RegExp(`^${endpointId}\\s+receiver \\d+\\s+${receiver.url}\\s+${type.replace('.', '\\.')}\\s+\\*\\s+enabled\\s+standard-webhooks\\s+failed \\(HTTP 500\\) 20`),
    );
    expect(rest).toEqual([]);
    expect((await as(tenant, ['endpoints', 'list', '--enabled', 'false'])).stdout).toBe('No endpoints match.\n');
    // Only endpoints that list the channel: this one listens on every channel, so it lists none.
    expect((await as(tenant, ['endpoints', 'list', '--channel', 'shop-eu'])).stdout).toBe('No endpoints match.\n');

    const stats = await as(tenant, ['stats', '--endpoint', endpointId, '--json', '--window', '1h']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toEqual({
      endpoint_id: endpointId,
      window: '1h',
      delivered: 0,
      failed_attempts: 2,
      pending: 0,
      dead: 1,
      success_rate: 0,
      p50_latency_ms: expect.any(Number),
      p99_latency_ms: expect.any(Number),
    });

    const all = await as(tenant, ['stats']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`\\n${endpointId}\\s+receiver \\d+\\s+enabled\\s+0\\s+2\\s+0\\s+1\\s+0\\.0%`));

    const missing = await as(tenant, ['stats', '--endpoint', 'ep_missing']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Endpoint 'ep_missing'");
  });

  it('a wrong key exits 2 with the api message and a hint about HERALD_API_KEY', async () => {
    const run = await herald(['dlq', 'list'], { HERALD_API_URL: stack.api.url, HERALD_API_KEY: 'herald_admin_wrong' });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('error: Invalid or revoked API key. (401 unauthorized)');
    expect(run.stderr).toContain('HERALD_API_KEY');
  });

  it('an unreachable api exits 3 with "cannot reach the Herald api at <url>"', async () => {
    const blocked = await herald(['dlq', 'list'], { HERALD_API_URL: 'http://127.0.0.1:1', HERALD_API_KEY: 'x' });
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain('error: cannot reach the Herald api at http://127.0.0.1:1: ');

    const port = await closedPort();
    const refused = await herald(['endpoints', 'list', '--json'], { HERALD_API_URL: `http://127.0.0.1:${port}`, HERALD_API_KEY: 'x' });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`error: cannot reach the Herald api at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});
