import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One established TCP connection of a process. */
export interface TcpConnection {
  localPort: number;
}

/**
 * The established TCP connections process `pid` holds to `remotePort`
 * (Linux: its socket fds matched with /proc/net/tcp{,6}), each once: the
 * tables are read in pieces while other sockets open and close, so a line
 * may come twice, and a socket is counted by its inode, not by its lines.
 * Matching by process rather than by client name keeps other test runs on
 * the same server out.
 */
export function tcpConnectionsTo(pid: number, remotePort: number): TcpConnection[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  const found = new Map<string, TcpConnection>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const parts = line.trim().split(/\s+/);
      // parts[1] and parts[2] are the local and remote address:port in hex, parts[3] the state (01 = established), parts[9] the inode.
      if (parts.length < 10 || parts[3] !== '01' || !inodes.has(parts[9]!)) continue;
      if (portOf(parts[2]!) === remotePort) found.set(parts[9]!, { localPort: portOf(parts[1]!) });
    }
  }
  return [...found.values()];
}

/** How many established TCP connections process `pid` holds to `remotePort` (tcpConnectionsTo). */
export function tcpConnectionsOf(pid: number, remotePort: number): number {
  return tcpConnectionsTo(pid, remotePort).length;
}

function portOf(hexAddress: string): number {
  return parseInt(hexAddress.slice(hexAddress.lastIndexOf(':') + 1), 16);
}
