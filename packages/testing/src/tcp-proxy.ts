import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP proxy a test puts between a service and PostgreSQL or Redis, to inject faults on one path only. */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Closes every open connection and refuses new ones until restore(). */
  cut(): void;
  /** Accepts connections again after cut(). */
  restore(): void;
  /**
   * Holds the bytes in both directions (connections stay open, nothing is
   * lost) until resume(): like a network path that stalls, then recovers.
   */
  pause(): void;
  /** Holds only the server's answers until resume(): requests still reach it. */
  holdReplies(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free local port to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  // Bytes held while paused, in arrival order, with the socket they go to.
  let held: [Socket, Buffer][] = [];
  let refusing = false;
  let paused = false;
  let holdingReplies = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (paused || (holdingReplies && to === client)) held.push([to, chunk]);
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    for (const s of pair) {
      s.on('close', () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
      s.on('error', () => undefined);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      refusing = true;
      held = [];
      for (const pair of pairs) for (const s of pair) s.destroy();
      pairs.clear();
    },
    restore() {
      refusing = false;
    },
    pause() {
      paused = true;
    },
    holdReplies() {
      holdingReplies = true;
    },
    resume() {
      paused = false;
      holdingReplies = false;
      for (const [to, chunk] of held) if (!to.destroyed) to.write(chunk);
      held = [];
    },
    async close() {
      for (const pair of pairs) for (const s of pair) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The URL with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
