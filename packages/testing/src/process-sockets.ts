import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * How many established TCP connections process `pid` holds to `remotePort`
 * (Linux: its socket fds matched with /proc/net/tcp{,6}). Counting by process
 * rather than by client name keeps other test runs on the same server out.
 */
export function tcpConnectionsOf(pid: number, remotePort: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const parts = line.trim().split(/\s+/);
      // parts[2] is the remote address:port in hex, parts[3] the state (01 = established), parts[9] the inode.
      if (parts.length < 10 || parts[3] !== '01' || !inodes.has(parts[9]!)) continue;
      if (parseInt(parts[2]!.slice(parts[2]!.lastIndexOf(':') + 1), 16) === remotePort) count++;
    }
  }
  return count;
}
