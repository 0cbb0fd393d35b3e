import { connect } from 'node:net';
import { startStack, type Stack } from '../src/stack.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Writes raw bytes to a service and reads everything it answers until it closes the connection. */
function raw(baseUrl: string, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = (head ?? '').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.end(request);
  });
}

/** A request Node refuses before the app sees it still gets the error shape and an X-Request-Id. */
describe('requests Node cannot parse, on api, ingest and worker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const services = () => [
    ['api', stack.api.url],
    ['ingest', stack.ingest.url],
    ['worker', stack.worker.url],
  ];

  it('answers a 20 KB header with 431 in the error shape', async () => {
    for (const [service, url] of services()) {
      const res = await raw(url!, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`);
      expect({ service, status: res.status }).toEqual({ service, status: 431 });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'validation_failed', message: expect.stringContaining('headers'), details: [] } });
    }
  });

  it('answers a malformed request with 400 in the error shape', async () => {
    for (const [service, url] of services()) {
      const res = await raw(url!, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Name: v\r\n\r\n');
      expect({ service, status: res.status }).toEqual({ service, status: 400 });
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'validation_failed', message: expect.any(String), details: [] } });
    }
  });

  it('still answers well-formed requests, before and after', async () => {
    for (const [, url] of services()) {
      expect((await raw(url!, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe(200);
    }
  });
});
