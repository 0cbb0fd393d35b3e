// @ts-check
// Small TCP helpers for the scripts: is something listening, what does it answer, a free port.
import net from 'node:net';

/**
 * Whether something accepts a TCP connection at host:port.
 *
 * @param {{ host: string, port: number }} target
 * @param {number} [timeoutMs]
 * @returns {Promise<boolean>}
 */
export function reachable({ host, port }, timeoutMs = 2_000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Connects to host:port, sends `request`, and feeds everything received to `read` until it
 * returns a verdict, then sends `farewell` (if any) and hangs up. Resolves to `closed` when
 * nothing listens, `silent` when the peer said nothing `read` could judge before it hung up
 * or the time ran out. Never rejects.
 *
 * @template T
 * @param {{ host: string, port: number }} target
 * @param {Buffer} request
 * @param {(received: Buffer) => T | undefined} read
 * @param {{ farewell?: Buffer, timeoutMs?: number }} [options]
 * @returns {Promise<T | 'closed' | 'silent'>}
 */
export function ask({ host, port }, request, read, { farewell, timeoutMs = 2_000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    let connected = false;
    const timer = setTimeout(() => finish('silent'), timeoutMs);
    let finished = false;
    /** @param {T | 'closed' | 'silent'} verdict */
    function finish(verdict, polite = false) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (polite && farewell) socket.end(farewell);
      else socket.destroy();
      resolve(verdict);
    }
    socket.once('connect', () => {
      connected = true;
      socket.write(request);
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const verdict = read(received);
      if (verdict !== undefined) finish(verdict, true);
    });
    socket.on('error', () => finish(connected ? 'silent' : 'closed'));
    socket.once('end', () => finish('silent'));
  });
}

/**
 * A local port nothing listens on now (taken from the system, then released).
 *
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}
