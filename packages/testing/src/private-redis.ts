import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts redis-server on a free port and waits until it answers PING. */
async function startServer(extraArgs: string[], cwd?: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
    stdio: 'ignore',
    cwd,
  });
  const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (i > 100) throw new Error(`redis-server did not start on port ${port}: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return { port, child };
}

async function stopServers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }),
  );
}

/**
 * A Redis server of the test's own (the machine's redis-server binary on a
 * free port, nothing on disk), for tests that FLUSHALL or stop Redis without
 * touching anyone else's keys.
 */
export async function startPrivateRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const { port, child } = await startServer([]);
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopServers([child]) };
}

/**
 * A Redis Cluster of the test's own: `masters` redis-server nodes started
 * with `--cluster-enabled yes` on free ports, joined with
 * `redis-cli --cluster create` (no replicas), ready when every slot is served.
 * `url` names it the way REDIS_URL does (`redis-cluster://host:port,…`).
 */
export async function startRedisCluster(masters = 3): Promise<{ url: string; ports: number[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cluster-'));
  const nodes = await Promise.all(
    Array.from({ length: masters }, (_, i) =>
      startServer(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--cluster-node-timeout', '5000'], dir),
    ),
  );
  const stop = async () => {
    await stopServers(nodes.map((n) => n.child));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    const probe = new Redis(`redis://${addresses[0]}`);
    try {
      for (let i = 0; ; i++) {
        const info = await probe.cluster('INFO');
        if (/cluster_state:ok/.test(String(info)) && /cluster_slots_assigned:16384/.test(String(info))) break;
        if (i > 200) throw new Error(`the cluster did not come up: ${String(info)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      probe.disconnect();
    }
    return { url: `redis-cluster://${addresses.join(',')}`, ports: nodes.map((n) => n.port), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
