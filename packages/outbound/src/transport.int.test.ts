import { Agent as HttpAgent, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTransport, DEFAULT_MAX_BODY_BYTES, type Transport } from './transport.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  port: number;
  received: Received[];
  /** How many TCP connections the server accepted. */
  connections: number;
  close(): Promise<void>;
}

/** A real local HTTP server on port 0 that records what it got, then answers with `handler`. */
async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, received: Received) => void,
  host = '127.0.0.1',
): Promise<TestServer> {
  const state = { connections: 0, received: [] as Received[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      state.received.push(received);
      handler(req, res, received);
    });
  });
  server.on('connection', () => {
    state.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get received() {
      return state.received;
    },
    get connections() {
      return state.connections;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const ok = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createTransport against real local servers', () => {
  let server: TestServer | undefined;
  let transport: Transport | undefined;

  afterEach(async () => {
    transport?.close();
    await server?.close();
    server = undefined;
    transport = undefined;
  });

  it('returns the status, headers and body of a 2xx, and the server gets exactly the headers and body sent', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-receiver': 'crm', 'set-cookie': ['a=1', 'b=2'] });
      res.end('{"received":true,"note":"ünïcødé"}');
    });
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const body = '{"event_id":"evt_1","payload":{"name":"Zoë","emoji":"🚀"}}';
    const result = await transport.post({
      url: `http://127.0.0.1:${server.port}/hooks/crm?x=1`,
      headers: { 'Content-Type': 'application/json', 'webhook-id': 'evt_1', 'X-Team': 'crm' },
      body,
      timeoutMs: 5000,
    });

    expect(result).toEqual({
      kind: 'response',
      status: 201,
      headers: expect.objectContaining({
        'content-type': 'application/json',
        'x-receiver': 'crm',
        'set-cookie': 'a=1, b=2',
      }),
      body: '{"received":true,"note":"ünïcødé"}',
      latencyMs: expect.any(Number),
    });
    expect(server.received).toHaveLength(1);
    const [got] = server.received;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/hooks/crm?x=1');
    expect(got.body).toBe(body);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-id']).toBe('evt_1');
    expect(got.headers['x-team']).toBe('crm');
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('returns a non-2xx status as a response, not an error', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(503, { 'retry-after': '120' });
      res.end('down for maintenance');
    });
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const result = await transport.post({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}', timeoutMs: 5000 });
    expect(result).toMatchObject({ kind: 'response', status: 503, body: 'down for maintenance', headers: { 'retry-after': '120' } });
  });

  it('does not follow a redirect: a 302 comes back as 302 and its target is never requested', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/start') {
        res.writeHead(302, { location: `http://127.0.0.1:${server!.port}/target` });
        res.end('moved');
      } else {
        res.writeHead(200);
        res.end('target');
      }
    });
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const result = await transport.post({ url: `http://127.0.0.1:${server.port}/start`, headers: {}, body: '{}', timeoutMs: 5000 });
    expect(result).toMatchObject({ kind: 'response', status: 302, body: 'moved' });
    expect(result.kind === 'response' && result.headers.location).toBe(`http://127.0.0.1:${server.port}/target`);
    await sleep(200);
    expect(server.received.map((r) => r.path)).toEqual(['/start']);
  });

  it('gives up with a timeout error after roughly timeoutMs when the server hangs', async () => {
    server = await startServer(() => {
      // Never answers.
    });
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const started = Date.now();
    const result = await transport.post({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}', timeoutMs: 400 });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ kind: 'error', error: 'timeout' });
    expect(result.kind === 'error' && result.message).toMatch(/^timeout: /);
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(2000);
    expect(result.latencyMs).toBeGreaterThanOrEqual(350);
  });

  it('times out a server that sends headers and then stalls the body', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const started = Date.now();
    const result = await transport.post({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}', timeoutMs: 400 });
    expect(result).toMatchObject({ kind: 'error', error: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps exactly the first 4096 bytes of a large body and answers without waiting for the rest', async () => {
    const big = Array.from({ length: 64 * 1024 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // Send far more than 4 KiB, then never end the response.
      res.write(big);
    });
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const started = Date.now();
    const result = await transport.post({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}', timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.kind).toBe('response');
    if (result.kind !== 'response') return;
    expect(Buffer.byteLength(result.body)).toBe(4096);
    expect(result.body).toBe(big.slice(0, 4096));
  });

  it('keeps a body of exactly 4096 bytes whole, and a complete larger body cut to 4096', async () => {
    const exact = 'x'.repeat(4096);
    const larger = 'y'.repeat(4097);
    server = await startServer((req, res) => {
      res.writeHead(200);
      res.end(req.url === '/exact' ? exact : larger);
    });
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const a = await transport.post({ url: `http://127.0.0.1:${server.port}/exact`, headers: {}, body: '', timeoutMs: 5000 });
    const b = await transport.post({ url: `http://127.0.0.1:${server.port}/larger`, headers: {}, body: '', timeoutMs: 5000 });
    expect(a).toMatchObject({ kind: 'response', body: exact });
    expect(b).toMatchObject({ kind: 'response', body: 'y'.repeat(4096) });
  });

  it('does not cut a multi-byte character in half at the 4096-byte limit', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${'a'.repeat(4095)}€ and more after the limit`);
    });
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const result = await transport.post({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '', timeoutMs: 5000 });
    expect(result.kind).toBe('response');
    if (result.kind !== 'response') return;
    expect(result.body).toBe('a'.repeat(4095));
    expect(Buffer.byteLength(result.body)).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES);
  });

  it('keeps as much as maxBodyBytes says: 10 bytes, or none at all, without waiting for the rest', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      // Never ends: the transport must answer from what it kept.
      res.write('0123456789abcdef'.repeat(1024));
    });
    for (const [maxBodyBytes, body] of [
      [10, '0123456789'],
      [0, ''],
    ] as const) {
      transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true, maxBodyBytes });
      const started = Date.now();
      const result = await transport.post({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '', timeoutMs: 10_000 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(result).toMatchObject({ kind: 'response', status: 500, body });
      transport.close();
    }
  });

  it('never throws: an invalid URL or header value comes back as an error and nothing is sent', async () => {
    server = await startServer(ok);
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const badUrl = await transport.post({ url: 'not a url', headers: {}, body: '{}', timeoutMs: 5000 });
    expect(badUrl).toMatchObject({ kind: 'error', error: 'network', message: expect.stringContaining('Invalid URL') });
    const badHeader = await transport.post({
      url: `http://127.0.0.1:${server.port}/`,
      headers: { 'X-Team': 'crm\r\nX-Injected: yes' },
      body: '{}',
      timeoutMs: 5000,
    });
    expect(badHeader).toMatchObject({ kind: 'error', error: 'network', message: expect.stringContaining('ERR_INVALID_CHAR') });
    expect(server.received).toHaveLength(0);
  });

  it('reports a refused connection as a network error', async () => {
    const closed = await startServer(ok);
    const port = closed.port;
    await closed.close();
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const result = await transport.post({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', timeoutMs: 5000 });
    expect(result).toMatchObject({ kind: 'error', error: 'network' });
    expect(result.kind === 'error' && result.message).toMatch(/ECONNREFUSED/);
  });

  it.each([
    ['an IP', (port: number) => `http://127.0.0.1:${port}/`],
    ['a name resolving to loopback', (port: number) => `http://localhost:${port}/`],
    ['an IPv4-mapped IPv6 literal', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
  ])('blocks %s with an empty allowlist, and the server receives nothing', async (_what, url) => {
    server = await startServer(ok, '::');
    transport = createTransport({ allowlist: [], allowHttp: true });
    const result = await transport.post({ url: url(server.port), headers: {}, body: '{"secret":1}', timeoutMs: 5000 });
    expect(result).toMatchObject({ kind: 'error', error: 'blocked' });
    expect(result.kind === 'error' && result.message).toMatch(/^blocked: /);
    await sleep(100);
    expect(server.received).toHaveLength(0);
    expect(server.connections).toBe(0);
  });

  it('blocks plain http:// unless allowed, whatever the address, and sends nothing', async () => {
    server = await startServer(ok);
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: false });
    const result = await transport.post({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}', timeoutMs: 5000 });
    expect(result).toMatchObject({ kind: 'error', error: 'blocked', message: expect.stringMatching(/^blocked: http:\/\/ is not allowed/) });
    expect(server.connections).toBe(0);
  });

  it('blocks an IP that a host-name allowlist entry does not cover', async () => {
    server = await startServer(ok);
    transport = createTransport({ allowlist: ['localhost'], allowHttp: true });
    const result = await transport.post({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}', timeoutMs: 5000 });
    expect(result).toMatchObject({ kind: 'error', error: 'blocked' });
    expect(server.connections).toBe(0);
  });

  it.each([
    ['an allowlisted IP', ['127.0.0.1'], 'http://127.0.0.1:PORT/hook'],
    ['an allowlisted CIDR', ['127.0.0.0/8'], 'http://127.0.0.1:PORT/hook'],
    ['an allowlisted host name', ['localhost'], 'http://localhost:PORT/hook'],
    ['an allowlisted host name, case-insensitive', ['LocalHost'], 'http://LOCALHOST:PORT/hook'],
    ['an allowlisted IP reached by name', ['127.0.0.1'], 'http://localhost:PORT/hook'],
    ['an allowlisted IP in a non-canonical spelling', ['127.000.000.001'], 'http://127.0.0.1:PORT/hook'],
  ])('lets %s through', async (_what, allowlist, url) => {
    server = await startServer(ok);
    transport = createTransport({ allowlist, allowHttp: true });
    const result = await transport.post({ url: url.replace('PORT', String(server.port)), headers: {}, body: '{"a":1}', timeoutMs: 5000 });
    expect(result).toMatchObject({ kind: 'response', status: 200, body: 'ok' });
    expect(server.received.map((r) => [r.path, r.body])).toEqual([['/hook', '{"a":1}']]);
  });

  it.each([
    ['::1', 'http://[::1]:PORT/'],
    ['[::1]', 'http://[::1]:PORT/'],
    ['0:0:0:0:0:0:0:1', 'http://[::1]:PORT/'],
  ])('lets an allowlisted IPv6 address (%s) through', async (entry, url) => {
    server = await startServer(ok, '::1');
    transport = createTransport({ allowlist: [entry], allowHttp: true });
    const result = await transport.post({ url: url.replace('PORT', String(server.port)), headers: {}, body: '{}', timeoutMs: 5000 });
    expect(result).toMatchObject({ kind: 'response', status: 200 });
    expect(server.received).toHaveLength(1);
  });

  it('reuses one kept-alive connection for consecutive calls', async () => {
    server = await startServer(ok);
    transport = createTransport({ allowlist: ['127.0.0.1'], allowHttp: true });
    const url = `http://127.0.0.1:${server.port}/`;
    const first = await transport.post({ url, headers: {}, body: '{"n":1}', timeoutMs: 5000 });
    const second = await transport.post({ url, headers: {}, body: '{"n":2}', timeoutMs: 5000 });
    expect([first.kind, second.kind]).toEqual(['response', 'response']);
    expect(server.received.map((r) => r.body)).toEqual(['{"n":1}', '{"n":2}']);
    expect(server.connections).toBe(1);
  });

  it("hands Node request options without got's cache options, by name or by IP", async () => {
    // got spreads them into each request's options; on Node 20 that literal costs ~60 µs a request (dropCacheOptions).
    server = await startServer(ok);
    // Node's http.Agent#addRequest(request, options), not in its type declarations.
    type AddRequest = (this: HttpAgent, request: unknown, options: Record<string, unknown>) => void;
    const agentPrototype = HttpAgent.prototype as unknown as { addRequest: AddRequest };
    const addRequest = agentPrototype.addRequest;
    const seen: Record<string, unknown>[] = [];
    agentPrototype.addRequest = function (request, options) {
      seen.push(options);
      return addRequest.call(this, request, options);
    };
    try {
      for (const [allowlist, host] of [[['127.0.0.1'], '127.0.0.1'], [['localhost'], 'localhost']] as const) {
        transport?.close();
        transport = createTransport({ allowlist, allowHttp: true });
        const result = await transport.post({ url: `http://${host}:${server.port}/`, headers: {}, body: '{}', timeoutMs: 5000 });
        expect(result).toMatchObject({ kind: 'response', status: 200 });
      }
    } finally {
      agentPrototype.addRequest = addRequest;
    }
    expect(seen).toHaveLength(2);
    for (const options of seen) {
      // The options got built for this request, as the agent gets them.
      expect(options).toMatchObject({ method: 'POST' });
      for (const key of ['shared', 'cacheHeuristic', 'immutableMinTimeToLive', 'ignoreCargoCult']) expect(Object.keys(options)).not.toContain(key);
    }
  });

  it('reuses the connection for allowlisted host names too', async () => {
    server = await startServer(ok);
    transport = createTransport({ allowlist: ['localhost'], allowHttp: true });
    const url = `http://localhost:${server.port}/`;
    await transport.post({ url, headers: {}, body: '{}', timeoutMs: 5000 });
    await transport.post({ url, headers: {}, body: '{}', timeoutMs: 5000 });
    expect(server.received).toHaveLength(2);
    expect(server.connections).toBe(1);
  });
});
