import ipaddr from 'ipaddr.js';
import { MAX_ENDPOINT_URL_LENGTH } from '@herald/schemas';
import { parseAllowlist } from './allowlist.js';
import { systemResolve, type Resolve } from './resolver.js';

export interface UrlPolicyOptions {
  allowHttp: boolean;
  allowlist: readonly string[];
  /** Name resolution; the system resolver unless given. */
  resolve?: Resolve;
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** Why an address may not be connected to, or null when it may. */
export function unsafeAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return `'${address}' is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  // ipaddr.js calls every IPv6 address outside its named ranges 'unicast', including the
  // deprecated IPv4-compatible ::a.b.c.d (::7f00:1); only 2000::/3 is global unicast.
  if (range === 'unicast' && parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6)) {
    return `${address} is a reserved address`;
  }
  if (range === 'unicast') return null;
  // 169.254.169.254 and fd00:ec2::254 are cloud metadata services; both fall in these ranges.
  return `${address} is a ${range} address`;
}

/**
 * Checks an endpoint URL before it is saved: at most MAX_ENDPOINT_URL_LENGTH
 * characters, `https://` (or `http://` when allowed), and a host that
 * neither is nor resolves to a loopback, private, link-local, multicast or
 * metadata address, unless allowlisted. Resolves
 * with the reason it is refused, or null. The same rule is enforced again on
 * every delivery, on the address actually connected to.
 */
export async function checkEndpointUrl(raw: string, { allowHttp, allowlist, resolve = systemResolve }: UrlPolicyOptions): Promise<string | null> {
  if (raw.length > MAX_ENDPOINT_URL_LENGTH) return `must be at most ${MAX_ENDPOINT_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    return allowHttp ? 'must be an http:// or https:// URL' : 'must be an https:// URL (http:// needs HERALD_ALLOW_HTTP=true)';
  }
  if (url.username || url.password) return 'must not contain credentials';
  // WHATWG URL parsing already turns 2130706433, 0x7f.1 and 017700000001 into 127.0.0.1.
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const allowed = parseAllowlist(allowlist);
  if (allowed.hosts.has(host)) return null;
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await resolve(host)).map((a) => a.address);
    } catch {
      return `host '${host}' does not resolve`;
    }
  }
  for (const address of addresses) {
    if (allowed.allowsAddress(address)) continue;
    const reason = unsafeAddressReason(address);
    if (reason) return `host '${host}' is not allowed: ${reason} (add it to HERALD_OUTBOUND_ALLOWLIST to allow it)`;
  }
  return null;
}
