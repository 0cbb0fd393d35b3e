import { checkEndpointUrl, unsafeAddressReason } from './url-policy.js';

const open = { allowHttp: true, allowlist: [] as string[] };

describe('checkEndpointUrl refuses URLs that reach internal addresses', () => {
  // Each of these is or resolves to an address a webhook must never reach.
  const refused: [string, string][] = [
    ['http://10.0.0.1/', 'private 10/8'],
    ['http://10.255.255.255/hook', 'private 10/8, top'],
    ['http://172.16.0.1/', 'private 172.16/12, bottom'],
    ['http://172.31.255.254/', 'private 172.16/12, top'],
    ['http://192.168.1.1/', 'private 192.168/16'],
    ['https://192.168.0.10:8443/hook', 'private with https and port'],
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.1.2.3/', 'loopback, anywhere in 127/8'],
    ['http://localhost/', 'localhost'],
    ['http://LOCALHOST:8080/', 'localhost, upper case'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified, short form'],
    ['http://[::1]/', 'IPv6 loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', 'IPv6 loopback, long form'],
    ['http://[::]/', 'IPv6 unspecified'],
    ['http://[fc00::1]/', 'IPv6 unique local'],
    ['http://[fe80::1]/', 'IPv6 link-local'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback, dotted'],
    ['http://[::ffff:7f00:1]/', 'IPv4-mapped loopback, hex'],
    ['http://[::ffff:10.0.0.1]/', 'IPv4-mapped private'],
    ['http://[::ffff:169.254.169.254]/', 'IPv4-mapped metadata'],
    ['http://2130706433/', 'decimal loopback'],
    ['http://0177.0.0.1/', 'octal loopback'],
    ['http://0x7f.0.0.1/', 'hex loopback, dotted'],
    ['http://0x7f000001/', 'hex loopback, one number'],
    ['http://127.1/', 'short loopback'],
    ['http://0xa.1/', 'short hex private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local: AWS/GCP metadata'],
    ['http://100.100.100.200/', 'carrier-grade NAT: Alibaba metadata'],
    ['http://[fd00:ec2::254]/', 'AWS IPv6 metadata'],
    ['http://224.0.0.1/', 'IPv4 multicast'],
    ['http://[ff02::1]/', 'IPv6 multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://198.18.0.1/', 'benchmarking'],
    ['http://192.0.2.1/', 'documentation (TEST-NET-1)'],
    ['http://[64:ff9b::7f00:1]/', 'NAT64 of loopback'],
    ['http://[2002:7f00:1::]/', '6to4 of loopback'],
    ['http://[::7f00:1]/', 'IPv4-compatible loopback'],
  ];

  it.each(refused)('%s (%s)', async (url) => {
    const reason = await checkEndpointUrl(url, open);
    expect(reason).toMatch(/is not allowed: .* address \(add it to HERALD_OUTBOUND_ALLOWLIST/);
  });

  it('has at least 30 refused cases', () => {
    expect(refused.length).toBeGreaterThanOrEqual(30);
  });

  it('names the host and the kind of address in the reason', async () => {
    expect(await checkEndpointUrl('http://0x7f000001/', open)).toBe(
      "host '127.0.0.1' is not allowed: 127.0.0.1 is a loopback address (add it to HERALD_OUTBOUND_ALLOWLIST to allow it)",
    );
    expect(await checkEndpointUrl('https://localhost/', open)).toMatch(/^host 'localhost' is not allowed: 127\.0\.0\.1 is a loopback address/);
  });
});

describe('checkEndpointUrl scheme and form rules', () => {
  it('requires https:// unless HERALD_ALLOW_HTTP', async () => {
    const reason = await checkEndpointUrl('http://example.com/hook', { allowHttp: false, allowlist: [] });
    expect(reason).toMatch(/https:\/\//);
    expect(reason).toContain('HERALD_ALLOW_HTTP');
  });

  it.each(['ftp://example.com/file', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'ws://example.com/', 'data:text/plain,hi'])(
    'refuses the scheme of %s',
    async (url) => {
      expect(await checkEndpointUrl(url, open)).toBe('must be an http:// or https:// URL');
      expect(await checkEndpointUrl(url, { allowHttp: false, allowlist: [] })).toMatch(/must be an https:\/\/ URL/);
    },
  );

  it.each(['https://user:pass@93.184.215.14/', 'https://user@93.184.215.14/', 'https://:pass@93.184.215.14/'])(
    'refuses credentials in %s',
    async (url) => {
      expect(await checkEndpointUrl(url, open)).toBe('must not contain credentials');
    },
  );

  it.each(['not a url', '', 'https://', 'https://exa mple.com/', 'https://[::1/', '//93.184.215.14/'])(
    'refuses the unparseable %j',
    async (url) => {
      expect(await checkEndpointUrl(url, open)).toBe('is not a valid URL');
    },
  );

  it('refuses a URL over 2,048 characters, and accepts one of exactly 2,048', async () => {
    const url = (length: number) => `https://93.184.215.14/${'a'.repeat(length - 'https://93.184.215.14/'.length)}`;
    expect(await checkEndpointUrl(url(2049), open)).toBe('must be at most 2048 characters');
    expect(await checkEndpointUrl(url(2048), open)).toBeNull();
  });

  it('refuses a host that does not resolve', async () => {
    expect(await checkEndpointUrl('https://no-such-host.invalid/hook', open)).toBe("host 'no-such-host.invalid' does not resolve");
  });
});

describe('checkEndpointUrl allows', () => {
  it.each(['https://93.184.215.14/', 'https://93.184.215.14:8443/hooks?x=1', 'https://[2606:4700::1111]/', 'http://1.1.1.1/'])(
    'the public address %s',
    async (url) => {
      expect(await checkEndpointUrl(url, open)).toBeNull();
    },
  );

  it('an allowlisted CIDR, and nothing outside it', async () => {
    const options = { allowHttp: false, allowlist: ['10.0.0.0/8'] };
    expect(await checkEndpointUrl('https://10.1.2.3/', options)).toBeNull();
    expect(await checkEndpointUrl('https://0xa.0x1.2.3/', options)).toBeNull();
    expect(await checkEndpointUrl('https://192.168.1.1/', options)).toMatch(/private address/);
    expect(await checkEndpointUrl('https://127.0.0.1/', options)).toMatch(/loopback address/);
  });

  it('an allowlisted IP, in any of its spellings', async () => {
    expect(await checkEndpointUrl('http://127.0.0.1:8080/', { allowHttp: true, allowlist: ['127.0.0.1'] })).toBeNull();
    expect(await checkEndpointUrl('http://127.1:8080/', { allowHttp: true, allowlist: ['127.0.0.1'] })).toBeNull();
    expect(await checkEndpointUrl('http://127.0.0.2/', { allowHttp: true, allowlist: ['127.0.0.1'] })).toMatch(/loopback/);
    expect(await checkEndpointUrl('http://[::1]/', { allowHttp: true, allowlist: ['[::1]'] })).toBeNull();
  });

  it('an allowlisted host name (case-insensitive), but not a different name for the same address', async () => {
    expect(await checkEndpointUrl('http://localhost:3000/hook', { allowHttp: true, allowlist: ['localhost'] })).toBeNull();
    expect(await checkEndpointUrl('http://LocalHost:3000/hook', { allowHttp: true, allowlist: [' LOCALHOST '] })).toBeNull();
    expect(await checkEndpointUrl('http://127.0.0.1:3000/hook', { allowHttp: true, allowlist: ['localhost'] })).toMatch(/loopback/);
  });

  it('an allowlist still requires https:// without HERALD_ALLOW_HTTP', async () => {
    expect(await checkEndpointUrl('http://10.1.2.3/', { allowHttp: false, allowlist: ['10.0.0.0/8'] })).toMatch(/HERALD_ALLOW_HTTP/);
  });
});

describe('unsafeAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['::ffff:192.168.0.1', 'private'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['169.254.169.254', 'linkLocal'],
    ['::7f00:1', 'reserved'],
    ['4000::1', 'reserved'],
  ])('refuses %s as %s', (address, range) => {
    expect(unsafeAddressReason(address)).toBe(`${address} is a ${range} address`);
  });

  it('allows public unicast addresses and refuses non-addresses', () => {
    expect(unsafeAddressReason('93.184.215.14')).toBeNull();
    expect(unsafeAddressReason('2606:4700::1111')).toBeNull();
    expect(unsafeAddressReason('example.com')).toBe("'example.com' is not an IP address");
  });
});
