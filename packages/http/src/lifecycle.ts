import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { ConfigError } from '@herald/core';
import { answerClientError } from './client-errors.js';

/**
 * Listens and resolves once the port is bound (port 0 picks a free one).
 * Requests Node cannot parse are answered in the error shape too.
 */
export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.on('clientError', answerClientError);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/** The port a listening server is bound to. */
export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Stops accepting connections and waits for open requests to end. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Something a service's main() started and must stop on SIGTERM. */
export type Stop = () => Promise<void>;

/**
 * Runs a service's main(): a ConfigError stops it with one line naming the
 * variable (exit 1); SIGTERM or SIGINT runs the returned stop function and
 * exits 0, or 1 if stopping took longer than `shutdownTimeoutMs`.
 */
export function runMain(name: string, main: () => Promise<Stop>, shutdownTimeoutMs = 35_000): void {
  main().then(
    (stop) => {
      let stopping = false;
      const onSignal = (signal: string) => {
        if (stopping) return;
        stopping = true;
        const timer = setTimeout(() => {
          process.stderr.write(`${name}: shutdown took longer than ${shutdownTimeoutMs} ms after ${signal}\n`);
          process.exit(1);
        }, shutdownTimeoutMs);
        timer.unref();
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`${name}: error while stopping: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
    },
    (error: unknown) => {
      const message = error instanceof ConfigError ? error.message : `failed to start: ${error instanceof Error ? String(error.stack) : String(error)}`;
      process.stderr.write(`${name}: ${message}\n`);
      process.exit(1);
    },
  );
}
