// Resource sampling from /proc and Redis: CPU time and RSS per process, machine CPU,
// and Redis connections attributed to our processes by their sockets' local ports.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { percentile } from './util.mjs';

const TICK_MS = 10; // CLK_TCK is 100 on Linux

/** utime + stime of a process in ms, or null if it is gone. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** VmRSS in bytes, or null. */
export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Machine CPU: busy and total ms summed over all cores. */
export function machineCpu() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyMs: busy * TICK_MS, totalMs: (busy + idle + iowait) * TICK_MS, stealMs: steal * TICK_MS };
}

/** inode → { local, remote } ports, for every TCP socket of this network namespace. */
function tcpInodePorts() {
  const map = new Map();
  const portOf = (hexAddress) => parseInt(hexAddress.slice(hexAddress.lastIndexOf(':') + 1), 16);
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n');
    for (let i = 1; i < lines.length; i++) {
      const parts = lines[i].trim().split(/\s+/);
      if (parts.length < 10) continue;
      map.set(parts[9], { local: portOf(parts[1]), remote: portOf(parts[2]) });
    }
  }
  return map;
}

/** Local TCP ports of the sockets a process holds. */
function socketInodes(pid) {
  const inodes = [];
  let fds;
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.push(link.slice(8, -1));
    } catch {
      // fd closed meanwhile
    }
  }
  return inodes;
}

/**
 * Client port → service name, for the sockets `pids` ({ service: pid }) hold to Redis.
 * Only sockets whose remote port is Redis's count: Linux reuses an ephemeral port number
 * for connections to different destinations, so a local port alone is ambiguous.
 */
export function portOwners(pids, redisPort = 6379) {
  const inodePorts = tcpInodePorts();
  const owner = new Map();
  for (const [service, pid] of Object.entries(pids)) {
    if (!pid) continue;
    for (const inode of socketInodes(pid)) {
      const ports = inodePorts.get(inode);
      if (ports && ports.remote === redisPort) owner.set(ports.local, service);
    }
  }
  return owner;
}

/** Parses CLIENT LIST into objects. */
export function parseClientList(text) {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
}

/**
 * Redis connections of our processes: { service: { total, byName: { name: n } } }.
 * A connection is ours when its client port is a local port of one of `pids`' sockets.
 */
export async function redisConnectionsOf(redis, pids) {
  const clients = parseClientList(await redis.client('LIST'));
  const portOwner = portOwners(pids);
  const out = {};
  for (const c of clients) {
    const port = Number(c.addr?.slice(c.addr.lastIndexOf(':') + 1));
    const service = portOwner.get(port);
    if (!service) continue;
    out[service] ??= { total: 0, byName: {} };
    out[service].total++;
    const name = c.name || '(unnamed)';
    out[service].byName[name] = (out[service].byName[name] ?? 0) + 1;
  }
  return { ours: out, all: clients.length };
}

/** Collapses BullMQ's per-queue client names (`<prefix>:<base64 queue>`) into one group. */
export function groupName(name, prefix) {
  if (prefix && name.startsWith(`${prefix}:`)) return `${prefix}:<queue> (BullMQ-named)`;
  return name;
}

/**
 * Samples CPU, RSS and (optionally) Redis connections of named processes every
 * `intervalMs` until stop(); stop() returns the per-process summary.
 *   pids(): { name: pid } of our processes (re-read each sample)
 *   pgPids(): Promise<{ client: pid[], background: pid[] }> of PostgreSQL processes to count
 */
export class Sampler {
  constructor({ pids, pgPids, redisPid, redis, redisGroups = false, prefix, intervalMs = 500 }) {
    Object.assign(this, { pids, pgPids, redisPid, redis, redisGroups, prefix, intervalMs });
    this.rss = {};
    this.cpuStart = {};
    this.cpuLast = {};
    this.pgCpu = new Map();
    this.connections = {};
    this.connectionSeries = [];
    this.samples = 0;
  }

  async start() {
    this.startedAt = Date.now();
    this.machineStart = machineCpu();
    this.selfStart = process.cpuUsage();
    const pids = this.pids();
    for (const [name, pid] of Object.entries(pids)) this.cpuStart[name] = cpuMs(pid);
    this.cpuStart.redis = cpuMs(this.redisPid);
    await this.samplePg(true);
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  async samplePg(first = false) {
    if (!this.pgPids) return;
    try {
      const { client, background } = await this.pgPids();
      for (const [kind, list] of [['client', client], ['background', background]]) {
        for (const pid of list) {
          const now = cpuMs(pid);
          if (now === null) continue;
          const entry = this.pgCpu.get(pid);
          if (!entry) this.pgCpu.set(pid, { kind, first: now, last: now, late: !first });
          else entry.last = now;
        }
      }
    } catch {
      // PostgreSQL busy: next sample
    }
  }

  async sample() {
    if (this.busy) return;
    this.busy = true;
    try {
      this.samples++;
      const pids = { ...this.pids(), redis: this.redisPid };
      for (const [name, pid] of Object.entries(pids)) {
        const rss = rssBytes(pid);
        if (rss !== null) (this.rss[name] ??= []).push(rss);
        const cpu = cpuMs(pid);
        if (cpu !== null) this.cpuLast[name] = cpu;
      }
      await this.samplePg();
      if (this.redis && this.redisGroups) {
        const { ours } = await redisConnectionsOf(this.redis, this.pids());
        const point = { t: Date.now() - this.startedAt };
        for (const [service, { total, byName }] of Object.entries(ours)) {
          point[service] = total;
          const entry = (this.connections[service] ??= { max: 0, byName: {} });
          entry.max = Math.max(entry.max, total);
          const grouped = {};
          for (const [name, n] of Object.entries(byName)) {
            const g = groupName(name, this.prefix);
            grouped[g] = (grouped[g] ?? 0) + n;
          }
          for (const [g, n] of Object.entries(grouped)) entry.byName[g] = Math.max(entry.byName[g] ?? 0, n);
        }
        this.connectionSeries.push(point);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Adds CPU measured elsewhere (e.g. the load generator's own process.cpuUsage()). */
  addCpu(name, ms) {
    this.extraCpu = { ...this.extraCpu, [name]: (this.extraCpu?.[name] ?? 0) + ms };
  }

  async stop() {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.sample();
    const elapsedMs = Date.now() - this.startedAt;
    const machineEnd = machineCpu();
    const cpu = {};
    const pids = { ...this.pids(), redis: this.redisPid };
    for (const name of Object.keys(pids)) {
      const end = cpuMs(pids[name]) ?? this.cpuLast[name];
      const start = this.cpuStart[name];
      if (end !== null && end !== undefined && start !== null && start !== undefined) cpu[name] = end - start;
    }
    const self = process.cpuUsage(this.selfStart);
    cpu['bench orchestrator'] = (self.user + self.system) / 1000;
    let pgClient = 0;
    let pgBackground = 0;
    for (const { kind, first, last, late } of this.pgCpu.values()) {
      // A backend first seen mid-run: count all its CPU (it started during the run).
      const used = late ? last : last - first;
      if (kind === 'client') pgClient += used;
      else pgBackground += used;
    }
    cpu['postgres (bench db)'] = pgClient;
    cpu['postgres (background)'] = pgBackground;
    Object.assign(cpu, this.extraCpu ?? {});
    const machineBusy = machineEnd.busyMs - this.machineStart.busyMs;
    const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
    const rss = {};
    for (const [name, values] of Object.entries(this.rss)) {
      const sorted = [...values].sort((a, b) => a - b);
      rss[name] = { peak: sorted[sorted.length - 1], median: percentile(sorted, 50) };
    }
    return {
      elapsedMs,
      pgClientPids: [...this.pgCpu.entries()].filter(([, e]) => e.kind === 'client').map(([pid]) => pid),
      cpu,
      machine: {
        busyMs: machineBusy,
        capacityMs: machineEnd.totalMs - this.machineStart.totalMs,
        stealMs: machineEnd.stealMs - this.machineStart.stealMs,
        otherMs: Math.max(0, machineBusy - ours),
      },
      rss,
      connections: this.connections,
      connectionSeries: this.connectionSeries,
    };
  }
}

