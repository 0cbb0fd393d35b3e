// Redis MONITOR on a plain socket. ioredis's monitor() can crash the process ("Command queue
// state error") when monitor lines arrive in the same packet as the MONITOR reply, which a
// busy server does; this reader has no such state.
import net from 'node:net';
import { portOwners } from './sampler.mjs';

const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

/**
 * Calls onCommand(source, args) for every command Redis executes, where source is
 * "127.0.0.1:port" (or "lua" for commands run by scripts) and args the first few arguments.
 * Resolves an object with stop() once monitoring has started.
 */
export function rawMonitor({ host = '127.0.0.1', port = 6379, name = 'herald-bench-monitor', maxArgs = 3 }, onCommand) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffer = '';
    let started = false;
    let stopped = false;
    socket.setEncoding('utf8');
    socket.once('error', (error) => {
      if (!started) reject(error);
    });
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write(`CLIENT SETNAME ${name}\r\nMONITOR\r\n`));
    socket.on('data', (chunk) => {
      if (stopped) return;
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (line === '+OK') {
          // First OK answers SETNAME, the second MONITOR.
          if (!started && (socket.oks = (socket.oks ?? 0) + 1) === 2) {
            started = true;
            resolve({
              stop() {
                stopped = true;
                socket.destroy();
              },
            });
          }
          continue;
        }
        if (line[0] === '-') {
          if (!started) reject(new Error(line.slice(1)));
          continue;
        }
        if (line[0] !== '+') continue;
        const open = line.indexOf('[');
        const close = line.indexOf(']', open);
        if (open < 0 || close < 0) continue;
        const source = line.slice(open + 1, close).split(' ').pop();
        const args = [];
        QUOTED.lastIndex = close;
        let m;
        while (args.length < maxArgs && (m = QUOTED.exec(line))) args.push(m[1]);
        onCommand(source, args);
      }
    });
  });
}

/**
 * Counts the Redis commands our processes send (MONITOR, attributed by client port to the
 * services of `pids`, { service: pid }) until stop(), and the BullMQ Workers started (the
 * CLIENT SETNAME of their blocking connection under `prefix`).
 */
export async function monitorCommands(pids, { prefix }) {
  let owners = portOwners(pids);
  let stopped = false;
  const byService = {};
  const byCommand = {};
  const unknown = new Map();
  const count = (service, cmd, n = 1) => {
    byService[service] = (byService[service] ?? 0) + n;
    byCommand[service] ??= {};
    byCommand[service][cmd] = (byCommand[service][cmd] ?? 0) + n;
  };
  const namePrefix = `${prefix}:`;
  let bullConnections = 0;
  const monitor = await rawMonitor({}, (source, args) => {
    if (stopped) return;
    const cmd = String(args[0]).toUpperCase();
    // BullMQ names each Worker's blocking connection `<prefix>:<base64 queue>`: one per Worker started.
    if (cmd === 'CLIENT' && String(args[1]).toUpperCase() === 'SETNAME' && String(args[2]).startsWith(namePrefix)) bullConnections++;
    const port = Number(source.slice(source.lastIndexOf(':') + 1));
    const service = owners.get(port);
    if (service) count(service, cmd);
    else {
      // A connection opened since the last refresh (or not ours): resolved at stop().
      const entry = unknown.get(port) ?? {};
      entry[cmd] = (entry[cmd] ?? 0) + 1;
      unknown.set(port, entry);
    }
  });
  const refresh = setInterval(() => {
    owners = portOwners(pids);
  }, 250);
  return {
    stop: () => {
      stopped = true;
      clearInterval(refresh);
      monitor.stop();
      owners = portOwners(pids);
      for (const [port, cmds] of unknown) {
        const service = owners.get(port);
        if (service) for (const [cmd, n] of Object.entries(cmds)) count(service, cmd, n);
      }
      return { byService, byCommand, bullConnections };
    },
  };
}
