import { AppError } from '@herald/core';
import type { ApiConfig } from '../config.js';
import { acceptFormat, assertHeadersAllowed, assertUrlAllowed } from './endpoint-checks.js';

const config = (overrides: Partial<ApiConfig> = {}) =>
  ({ HERALD_HEADER_PREFIX: 'X-Herald', HERALD_ALLOW_HTTP: false, HERALD_OUTBOUND_ALLOWLIST: [], ...overrides }) as ApiConfig;

/** The AppError a check threw, or null. */
async function refusal(check: () => unknown): Promise<AppError | null> {
  try {
    await check();
    return null;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

describe('assertHeadersAllowed', () => {
  it("refuses Herald's own and the Standard Webhooks headers with 422, naming each", async () => {
    const error = await refusal(() =>
      assertHeadersAllowed({ 'X-Team': 'crm', 'x-herald-delivery': 'fixed', 'Webhook-Id': 'x' }, { config: config() }),
    );
    expect(error?.status).toBe(422);
    expect(error?.details.map((d) => d.path)).toEqual(['headers.x-herald-delivery', 'headers.Webhook-Id']);
  });

  it('reserves the configured prefix, not a fixed one', async () => {
    const custom = { config: config({ HERALD_HEADER_PREFIX: 'Acme-Hook' }) };
    expect(await refusal(() => assertHeadersAllowed({ 'X-Herald-Event': 'mine' }, custom))).toBeNull();
    expect((await refusal(() => assertHeadersAllowed({ 'acme-hook-attempt': '1' }, custom)))?.details[0]?.path).toBe('headers.acme-hook-attempt');
  });
});

describe('assertUrlAllowed', () => {
  const resolvesTo = (address: string) => async () => [{ address, family: address.includes(':') ? 6 : 4 }];

  it('accepts an https URL whose host resolves to a public address', async () => {
    expect(await refusal(() => assertUrlAllowed('https://hooks.example.com/x', { config: config(), resolve: resolvesTo('93.184.216.34') }))).toBeNull();
  });

  it.each([
    ['a host resolving to a private address', 'https://hooks.example.com/x', config(), '10.1.2.3'],
    ['http:// without HERALD_ALLOW_HTTP', 'http://hooks.example.com/x', config(), '93.184.216.34'],
    ['a scheme other than http(s)', 'ftp://hooks.example.com/x', config(), '93.184.216.34'],
  ])('refuses %s with 422 naming url', async (_name, url, cfg, address) => {
    const error = await refusal(() => assertUrlAllowed(url, { config: cfg, resolve: resolvesTo(address) }));
    expect(error?.status).toBe(422);
    expect(error?.details.map((d) => d.path)).toEqual(['url']);
  });

  it('lets an allowlisted private host through', async () => {
    const cfg = config({ HERALD_ALLOW_HTTP: true, HERALD_OUTBOUND_ALLOWLIST: ['10.0.0.0/8'] });
    expect(await refusal(() => assertUrlAllowed('http://hooks.internal/x', { config: cfg, resolve: resolvesTo('10.1.2.3') }))).toBeNull();
  });
});

describe('acceptFormat', () => {
  const deps = { config: config() };
  const hmac = { scheme: 'hmac-sha256', header: 'X-Signature', prefix: 'sha256=' };
  const paths = async (input: Parameters<typeof acceptFormat>[0], headers: Record<string, string> = {}) => {
    const error = await refusal(() => acceptFormat(input, { signature: input.signature ?? { scheme: 'standard-webhooks' }, headers }, deps));
    expect(error?.status ?? 422).toBe(422);
    return error?.details.map((d) => d.path) ?? [];
  };

  it('gives the format as stored, defaults filled in, only for the fields given', () => {
    expect(acceptFormat({ signature: hmac, body: 'payload', schema_version: '2025-01-01' }, { signature: hmac, headers: {} }, deps)).toEqual({
      signature: { ...hmac, encoding: 'hex', timestamp_header: null },
      bodyFormat: 'payload',
      schemaVersion: '2025-01-01',
    });
    expect(acceptFormat({ body: 'envelope' }, { signature: hmac, headers: {} }, deps)).toEqual({ bodyFormat: 'envelope' });
  });

  it.each([
    [{ signature: { scheme: 'rsa' } }, ['signature.scheme']],
    [{ body: 'xml' }, ['body']],
    [{ schema_version: '2024-01-01' }, ['schema_version']],
    [{ signature: { ...hmac, header: 'X Sig' } }, ['signature.header']],
    [{ signature: { ...hmac, header: 'X-Herald-Signature' } }, ['signature.header']],
    [{ signature: { ...hmac, header: 'webhook-signature' } }, ['signature.header']],
    [{ signature: { ...hmac, header: 'Content-Type' } }, ['signature.header']],
    [{ signature: { ...hmac, timestamp_header: 'x-herald-time' } }, ['signature.timestamp_header']],
    [{ signature: { ...hmac, timestamp_header: 'x-signature' } }, ['signature.timestamp_header']],
    [{ signature: { ...hmac, prefix: 'sha256=\r\n' } }, ['signature.prefix']],
    [{ signature: { scheme: 'standard-webhooks', header: 'X-Sig' } }, ['signature.header']],
    [{ signature: { scheme: 'rsa' }, body: 'xml', schema_version: 'v3' }, ['signature.scheme', 'body', 'schema_version']],
  ])('refuses %j with 422 at %j', async (input, expected) => {
    expect(await paths(input as Parameters<typeof acceptFormat>[0])).toEqual(expected);
  });

  it("refuses a signature header that is also one of the endpoint's own headers, whichever of the two changes", async () => {
    expect(await paths({ signature: hmac }, { 'x-signature': 'static' })).toEqual(['headers.x-signature']);
    expect(await refusal(() => acceptFormat({}, { signature: hmac, headers: { 'X-Signature': 'static' } }, deps))).not.toBeNull();
  });
});
