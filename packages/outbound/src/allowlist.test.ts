import { parseAllowlist } from './allowlist.js';

describe('parseAllowlist', () => {
  it('splits host names from IPs and CIDRs, trimming, lower-casing and dropping empty entries', () => {
    const list = parseAllowlist([' Hooks.Internal ', '', '10.0.0.0/8', '[::1]', '127.0.0.1', 'LOCALHOST']);
    expect([...list.hosts].sort()).toEqual(['hooks.internal', 'localhost']);
    expect(list.addresses).toEqual(['10.0.0.0/8', '::1', '127.0.0.1']);
  });

  it('gives IPs in the canonical form the connected address has', () => {
    expect(parseAllowlist(['0:0:0:0:0:0:0:1', '127.000.000.001', 'FD00:EC2::254', 'fd00::/8']).addresses).toEqual([
      '::1',
      '127.0.0.1',
      'fd00:ec2::254',
      'fd00::/8',
    ]);
  });

  it('matches addresses inside allowed IPs and CIDRs, also IPv4-mapped ones', () => {
    const list = parseAllowlist(['10.0.0.0/8', '192.168.1.5', '::1']);
    expect(list.allowsAddress('10.200.3.4')).toBe(true);
    expect(list.allowsAddress('::ffff:10.200.3.4')).toBe(true);
    expect(list.allowsAddress('192.168.1.5')).toBe(true);
    expect(list.allowsAddress('192.168.1.6')).toBe(false);
    expect(list.allowsAddress('11.0.0.1')).toBe(false);
    expect(list.allowsAddress('::1')).toBe(true);
    expect(list.allowsAddress('::2')).toBe(false);
    expect(list.allowsAddress('not-an-ip')).toBe(false);
  });

  it('allows nothing when empty', () => {
    const list = parseAllowlist([]);
    expect(list.hosts.size).toBe(0);
    expect(list.addresses).toEqual([]);
    expect(list.allowsAddress('127.0.0.1')).toBe(false);
  });
});
