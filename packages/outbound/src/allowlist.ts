import ipaddr from 'ipaddr.js';

/**
 * HERALD_OUTBOUND_ALLOWLIST split into what each check needs: host names
 * (compared to the URL's host) and IPs/CIDRs (compared to addresses).
 */
export interface Allowlist {
  hosts: Set<string>;
  /** IPs and CIDRs in the form request-filtering-agent takes. */
  addresses: string[];
  /** Whether an address is covered by an allowed IP or CIDR. */
  allowsAddress(address: string): boolean;
}

/** Parses the allowlist entries (hosts, IPs or CIDRs). */
export function parseAllowlist(entries: readonly string[]): Allowlist {
  const hosts = new Set<string>();
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  const addresses: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (!entry) continue;
    if (entry.includes('/') && ipaddr.isValidCIDR(entry)) {
      const [range, bits] = ipaddr.parseCIDR(entry);
      ranges.push([range, bits]);
      addresses.push(`${range.toString()}/${bits}`);
    } else if (ipaddr.isValid(entry)) {
      const parsed = ipaddr.parse(entry);
      ranges.push([parsed, parsed.kind() === 'ipv4' ? 32 : 128]);
      // request-filtering-agent compares single IPs as strings with the address connected
      // to, which Node gives in canonical form ('::1', '127.0.0.1'): normalise the entry.
      addresses.push(parsed.toString());
    } else {
      hosts.add(entry);
    }
  }
  return {
    hosts,
    addresses,
    allowsAddress(address) {
      if (!ipaddr.isValid(address)) return false;
      let parsed = ipaddr.parse(address);
      if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
        parsed = (parsed as ipaddr.IPv6).toIPv4Address();
      }
      return ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
    },
  };
}
