import { validateHeaderValue } from 'node:http';
import { z } from 'zod';
import {
  EndpointHeadersSchema,
  EndpointInSchema,
  EndpointPatchSchema,
  EventFilterSchema,
  matchesEventType,
  SignatureInSchema,
  SignatureSchema,
} from './endpoints.js';
import { LATEST_ENVELOPE_VERSION } from './events.js';

const minimal = { url: 'https://crm.example.com/webhook', events: ['lead.created'] };

/** The dotted paths of the issues of a failed parse (what the API answers in `details`). */
function failingPaths(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return result.error.issues.map((i) => i.path.join('.'));
}

describe('EndpointInSchema', () => {
  it('fills in the documented defaults', () => {
    expect(EndpointInSchema.parse(minimal)).toEqual({
      url: 'https://crm.example.com/webhook',
      name: '',
      description: '',
      events: ['lead.created'],
      enabled: true,
      timeout_ms: 10000,
      max_attempts: 15,
      rate_limit_per_second: null,
      headers: {},
      metadata: {},
      signature: { scheme: 'standard-webhooks' },
      body: 'envelope',
      schema_version: LATEST_ENVELOPE_VERSION,
      channels: [],
      ordering: 'none',
    });
  });

  it('keeps every field given', () => {
    const full = {
      url: 'http://10.0.0.1:8080/hook',
      name: 'CRM bridge',
      description: 'Leads to the CRM',
      events: ['lead.created', 'company.*'],
      enabled: false,
      timeout_ms: 30000,
      max_attempts: 1,
      rate_limit_per_second: 10000,
      headers: { 'X-Team': 'crm' },
      metadata: { owner: { team: 'growth' } },
      signature: { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=' },
      body: 'payload',
      schema_version: '2025-01-01',
      channels: [],
      ordering: 'none',
    };
    expect(EndpointInSchema.parse(full)).toEqual(full);
  });

  it.each([
    ['timeout_ms', 999],
    ['timeout_ms', 30001],
    ['timeout_ms', 1500.5],
    ['timeout_ms', '10000'],
    ['max_attempts', 0],
    ['max_attempts', 51],
    ['rate_limit_per_second', 0],
    ['rate_limit_per_second', 10001],
    ['enabled', 'yes'],
  ])('refuses %s = %j', (field, value) => {
    expect(failingPaths(EndpointInSchema, { ...minimal, [field]: value })).toEqual([field]);
  });

  it.each([
    ['timeout_ms', 1000],
    ['timeout_ms', 30000],
    ['max_attempts', 1],
    ['max_attempts', 50],
    ['rate_limit_per_second', 1],
    ['rate_limit_per_second', 10000],
    ['rate_limit_per_second', null],
  ])('accepts the bound %s = %j', (field, value) => {
    expect(EndpointInSchema.parse({ ...minimal, [field]: value })[field as keyof typeof minimal]).toBe(value);
  });

  it('refuses an empty events list', () => {
    const result = EndpointInSchema.safeParse({ ...minimal, events: [] });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['events'], message: 'at least one event type or filter' }),
    ]);
  });

  it('refuses a bad filter naming its index', () => {
    expect(failingPaths(EndpointInSchema, { ...minimal, events: ['lead.created', 'Lead.Created'] })).toEqual(['events.1']);
  });

  it('refuses unknown fields', () => {
    const result = EndpointInSchema.safeParse({ ...minimal, secret: 'whsec_x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['secret'] });
  });

  // Which strings are acceptable URLs is the URL policy's to say (a 422): the schema only wants a string (else 400).
  it.each([42, null, ['https://example.com/'], { href: 'https://example.com/' }])('refuses the url %j, which is not a string', (url) => {
    expect(failingPaths(EndpointInSchema, { ...minimal, url })).toEqual(['url']);
  });

  it.each(['ftp://example.com/hook', 'not a url', `https://example.com/${'a'.repeat(2048)}`])('leaves the url %s to the URL policy', (url) => {
    expect(EndpointInSchema.safeParse({ ...minimal, url }).success).toBe(true);
  });

  it('requires url and events', () => {
    expect(failingPaths(EndpointInSchema, {}).sort()).toEqual(['events', 'url']);
  });
});

describe('EndpointHeadersSchema', () => {
  it('accepts custom headers', () => {
    expect(EndpointHeadersSchema.parse({ 'X-Team': 'crm', Authorization: 'Bearer abc', 'x-empty': '' })).toEqual({
      'X-Team': 'crm',
      Authorization: 'Bearer abc',
      'x-empty': '',
    });
  });

  // Which names Herald reserves depends on HERALD_HEADER_PREFIX: the api checks that (422).
  it.each(['webhook-id', 'X-Herald-Delivery', 'Content-Type', 'Host'])('leaves the reserved name %s to the api', (name) => {
    expect(EndpointHeadersSchema.safeParse({ [name]: 'x' }).success).toBe(true);
  });

  it.each(['X-Evil\r\nInjected: yes', 'line\nbreak', 'carriage\rreturn'])('refuses the value %j', (value) => {
    const result = EndpointHeadersSchema.safeParse({ 'X-Team': value });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must not contain line breaks');
  });

  it('accepts a header value exactly when node:http can send it', () => {
    const values = ['plain', 'Zoë café', 'tab\there', ' spaced ', '', 'a\u0000b', 'esc\u001b[0m', 'del\u007f', 'rocket 🚀', 'Ā', 'bell\u0007'];
    for (const value of values) {
      let sendable = true;
      try {
        validateHeaderValue('X-Test', value);
      } catch {
        sendable = false;
      }
      expect([value, EndpointHeadersSchema.safeParse({ 'X-Test': value }).success]).toEqual([value, sendable]);
    }
    expect(EndpointHeadersSchema.safeParse({ 'X-Test': 'a\u0000b' }).error?.issues[0]?.message).toBe(
      'must contain only printable Latin-1 characters',
    );
  });

  it.each(['Bad Header', 'X:Colon', '', 'Ünicode'])('refuses the header name %j', (name) => {
    const result = EndpointHeadersSchema.safeParse({ [name]: 'x' });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: [name], message: 'must be a valid header name' })]);
  });

  it('refuses more than 20 headers and values longer than 1000', () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v']));
    expect(EndpointHeadersSchema.safeParse(many).success).toBe(false);
    expect(EndpointHeadersSchema.safeParse(Object.fromEntries(Object.entries(many).slice(0, 20))).success).toBe(true);
    expect(EndpointHeadersSchema.safeParse({ 'X-Long': 'a'.repeat(1001) }).success).toBe(false);
  });

  it('applies inside EndpointInSchema with the header in the path and the reason in the message', () => {
    const result = EndpointInSchema.safeParse({ ...minimal, headers: { 'X-Ok': 'a\nb', 'Bad Name': 'mine' } });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['headers.X-Ok', 'must not contain line breaks'],
      ['headers.Bad Name', 'must be a valid header name'],
    ]);
  });
});

describe('EndpointPatchSchema', () => {
  it('accepts an empty patch and adds no defaults', () => {
    expect(EndpointPatchSchema.parse({})).toEqual({});
  });

  it('applies the create rules to the fields given', () => {
    expect(EndpointPatchSchema.parse({ enabled: false, rate_limit_per_second: null })).toEqual({ enabled: false, rate_limit_per_second: null });
    expect(failingPaths(EndpointPatchSchema, { timeout_ms: 999 })).toEqual(['timeout_ms']);
    expect(failingPaths(EndpointPatchSchema, { events: [] })).toEqual(['events']);
    expect(failingPaths(EndpointPatchSchema, { headers: { 'X-Bad': 'a\nb' } })).toEqual(['headers.X-Bad']);
    expect(EndpointPatchSchema.safeParse({ id: 'ep_1' }).success).toBe(false);
  });
});

describe('EventFilterSchema', () => {
  it.each(['*', 'a.b', 'a.*', 'lead.created', 'company.profile.*', 'a_b-c.d', 'webhook.test', 'x'.repeat(128)])('accepts %s', (filter) => {
    expect(EventFilterSchema.parse(filter)).toBe(filter);
  });

  it.each(['A.b', 'a*', '*.a', '', 'a.b*', '**', 'a.*.b', 'lead created', 'x'.repeat(129), 'é.a'])('refuses %j', (filter) => {
    expect(EventFilterSchema.safeParse(filter).success).toBe(false);
  });
});

describe('matchesEventType', () => {
  it.each([
    [['lead.created'], 'lead.created', true],
    [['lead.created'], 'lead.updated', false],
    [['lead.created'], 'lead.created.v2', false],
    [['a.*'], 'a.b', true],
    [['a.*'], 'a.b.c', true],
    [['a.*'], 'ab.c', false],
    [['a.*'], 'a', false],
    [['a.b.*'], 'a.b.c', true],
    [['a.b.*'], 'a.c', false],
    [['*'], 'anything.at.all', true],
    [['x.y', 'company.*'], 'company.profile_updated', true],
    [[], 'lead.created', false],
  ])('%j selects %s: %s', (filters, eventType, expected) => {
    expect(matchesEventType(filters, eventType)).toBe(expected);
  });
});

describe('SignatureSchema (what is acceptable, 422 otherwise) and SignatureInSchema (the shape, 400 otherwise)', () => {
  it('fills in the hmac-sha256 defaults', () => {
    expect(SignatureSchema.parse({ scheme: 'hmac-sha256', header: 'X-Webhook-Signature' })).toEqual({
      scheme: 'hmac-sha256',
      header: 'X-Webhook-Signature',
      prefix: '',
      encoding: 'hex',
      timestamp_header: null,
    });
    expect(SignatureSchema.parse({ scheme: 'standard-webhooks-ed25519' })).toEqual({ scheme: 'standard-webhooks-ed25519' });
  });

  it.each([
    [{ scheme: 'rsa' }, 'scheme'],
    [{ scheme: 'hmac-sha256' }, 'header'],
    [{ scheme: 'hmac-sha256', header: 'X Sig' }, 'header'],
    [{ scheme: 'hmac-sha256', header: 'X-Sig:' }, 'header'],
    [{ scheme: 'hmac-sha256', header: 'X-Sig', prefix: 'sha256=\n' }, 'prefix'],
    [{ scheme: 'hmac-sha256', header: 'X-Sig', prefix: 'a\u0000' }, 'prefix'],
    [{ scheme: 'hmac-sha256', header: 'X-Sig', prefix: ' sha256=' }, 'prefix'],
    [{ scheme: 'hmac-sha256', header: 'X-Sig', encoding: 'base32' }, 'encoding'],
    [{ scheme: 'hmac-sha256', header: 'X-Sig', timestamp_header: 'X Time' }, 'timestamp_header'],
    [{ scheme: 'standard-webhooks', header: 'X-Sig' }, ''],
  ])('refuses %j at %p', (signature, path) => {
    expect(failingPaths(SignatureSchema, signature)).toEqual([path]);
  });

  it('lets any strings through the shape, so their refusal can be a 422', () => {
    expect(SignatureInSchema.safeParse({ scheme: 'rsa', header: 'X Sig', prefix: '\n' }).success).toBe(true);
    expect(failingPaths(SignatureInSchema, { scheme: 1 })).toEqual(['scheme']);
    expect(failingPaths(SignatureInSchema, { scheme: 'hmac-sha256', colour: 'red' })).toEqual(['']);
  });
});
