// The receivers in examples/ accept real deliveries from the stack (and refuse a forged
// request), and the README's curl + openssl recipe reproduces a delivery's signature.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { pythonWithFlask } from '../src/python.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs a bash script without blocking (the stack it calls runs in this process); resolves its output. */
function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // A clean non-interactive bash, as a reader would paste into: no BASH_ENV start-up file (CI may set one).
    const { BASH_ENV: _startup, ENV: _posixStartup, ...inherited } = process.env;
    const child = spawn('bash', ['--noprofile', '--norc', '-euo', 'pipefail', '-c', script], { cwd: root, env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Example {
  process: ChildProcess;
  url: string;
  output: () => string;
}

describe('example receivers against real deliveries', () => {
  let stack: Stack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const running: Example[] = [];
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await startStack();
    tenant = await createTenant(stack);
    expect((await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'example.sent' } })).status).toBe(201);
  });
  afterAll(async () => {
    for (const example of running) example.process.kill('SIGTERM');
    for (const r of receivers) await r.close();
    await stack?.stop();
  });

  /** Subscribes an endpoint with this format at `url`; sends one event; resolves its delivery once settled. */
  async function deliverTo(url: string, format: Record<string, unknown>) {
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `${url}/webhook`, events: ['example.sent'], max_attempts: 1, ...format },
    });
    expect(endpoint.status).toBe(201);
    const event = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'example.sent', payload: { order: 'o_1', note: 'Zoë 🚀' } },
    });
    expect(event.status).toBe(202);
    const delivery = await eventually(async () => {
      const list = await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${endpoint.body.id}`, { token: tenant.read });
      const d = list.body.data[0];
      return d && d.status !== 'pending' ? d : null;
    });
    // Each endpoint is used once; delete it so later events do not reach this example.
    await call(stack.api.url, 'DELETE', `/api/v1/endpoints/${endpoint.body.id}`, { token: tenant.admin });
    return { endpoint: endpoint.body, eventId: event.body.event_id as string, delivery };
  }

  /** A request the example must refuse: the headers of nothing Herald signed. */
  async function forged(example: Example, headers: Record<string, string>) {
    const res = await fetch(`${example.url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'evt_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), ...headers },
      body: '{"forged":true}',
    });
    return res.status;
  }

  const cases: [string, string, string, (ep: Record<string, string>) => Record<string, string>, Record<string, unknown>, Record<string, string>][] = [
    ['Express with standardwebhooks', 'node', 'express-standard-webhooks.mjs', (ep) => ({ WEBHOOK_SECRET: ep.signing_secret! }), {}, { 'webhook-signature': 'v1,Zm9yZ2Vk' }],
    ['Flask with the standard library', 'python', 'flask_standard_webhooks.py', (ep) => ({ WEBHOOK_SECRET: ep.signing_secret! }), {}, { 'webhook-signature': 'v1,Zm9yZ2Vk' }],
    [
      'Node verifying v1a',
      'node',
      'verify-ed25519.mjs',
      (ep) => ({ WEBHOOK_PUBLIC_KEY: ep.signing_public_key! }),
      { signature: { scheme: 'standard-webhooks-ed25519' } },
      { 'webhook-signature': `v1a,${Buffer.alloc(64, 7).toString('base64')}` },
    ],
    [
      'Express verifying hmac-sha256 sha256= hex',
      'node',
      'express-hmac-sha256.mjs',
      (ep) => ({ WEBHOOK_SECRET: ep.signing_secret! }),
      { signature: { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=' } },
      { 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` },
    ],
    [
      'Flask verifying hmac-sha256 sha256= hex',
      'python',
      'flask_hmac_sha256.py',
      (ep) => ({ WEBHOOK_SECRET: ep.signing_secret! }),
      { signature: { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=' } },
      { 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` },
    ],
  ];

  it.each(cases)('%s (%s examples/%s) accepts a delivery and refuses a forged request', async (_label, runtime, file, envOf, format, forgedHeaders) => {
    // The example needs the endpoint's secret or public key, so the endpoint comes first, pointing at a port kept for the example.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `${url}/webhook`, events: ['example.sent'], max_attempts: 1, ...format },
    });
    expect(endpoint.status).toBe(201);
    const command = runtime === 'python' ? pythonWithFlask() : process.execPath;
    const child = spawn(command, [path.join(root, 'examples', file)], { cwd: root, env: { ...process.env, ...envOf(endpoint.body), PORT: String(port) } });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const example: Example = { process: child, url, output: () => output };
    running.push(example);
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`${file} exited: ${output}`);
      await fetch(`${url}/ready-probe`);
      return true;
    }, 15_000, 100);

    const event = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'example.sent', payload: { order: 'o_1', note: 'Zoë 🚀' } },
    });
    expect(event.status).toBe(202);
    const delivery = await eventually(async () => {
      const list = await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${endpoint.body.id}`, { token: tenant.read });
      const d = list.body.data[0];
      return d && d.status !== 'pending' ? d : null;
    });
    await call(stack.api.url, 'DELETE', `/api/v1/endpoints/${endpoint.body.id}`, { token: tenant.admin });
    expect(delivery).toMatchObject({ status: 'delivered', last_response_status: 204 });
    await eventually(async () => output.includes(`verified ${event.body.event_id}`));
    expect(output).toContain(`verified ${event.body.event_id} example.sent`);

    expect(await forged(example, forgedHeaders)).toBeGreaterThanOrEqual(400);
    await eventually(async () => output.includes('REJECTED'));
  });

  it("the README's curl + openssl recipe reproduces the signature of a delivery, for standard-webhooks and hmac-sha256", async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const recipe = /<!-- recipe:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- recipe:end -->/.exec(readme)?.[1];
    expect(recipe).toBeDefined();
    const receiver = await startReceiver(() => ({ status: 204 }));
    receivers.push(receiver);
    for (const format of [{}, { signature: { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=' }, body: 'payload' }]) {
      const { endpoint, delivery } = await deliverTo(receiver.url, format);
      const sent = receiver.requests.at(-1)!.headers as Record<string, string>;
      const run = await bash(recipe!, { HERALD_API_URL: stack.api.url, READ_KEY: tenant.read, DELIVERY: delivery.id, SECRET: endpoint.signing_secret });
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const line = (label: string) => new RegExp(`^${label}\\s+(.*)$`, 'm').exec(run.stdout)?.[1];
      if (sent['webhook-signature']) {
        expect(sent['webhook-signature'].split(' ')).toContain(line('v1 computed:'));
      } else {
        expect(line('sha256 computed:')).toBe(sent['x-hub-signature-256']);
      }
    }
  });
});
