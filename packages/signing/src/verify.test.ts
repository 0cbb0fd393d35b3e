import { signatureHeader, sign } from './sign.js';
import { createSigningKey } from './signing-key.js';
import { verify } from './verify.js';
import { WebhookVerificationError, type VerificationFailureReason } from './webhook-verification-error.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const otherSecret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const timestamp = 1614265330;
const now = new Date(timestamp * 1000);
const body = JSON.stringify({ event_id: 'evt_1', payload: { name: 'Acme' } });

function headersFor(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign({ secret, id, timestamp, body }),
    ...overrides,
  };
}

function refusal(run: () => unknown): VerificationFailureReason {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
  throw new Error('expected verify to refuse the message');
}

describe('verify', () => {
  it('accepts a message we signed and returns its parsed body', () => {
    expect(verify({ secret, headers: headersFor(), body, now })).toEqual({ event_id: 'evt_1', payload: { name: 'Acme' } });
  });

  it('accepts the published vector', () => {
    const vectorBody = '{"test": 2432232314}';
    const headers = headersFor({ 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
    expect(verify({ secret, headers, body: vectorBody, now })).toEqual({ test: 2432232314 });
  });

  it('accepts a raw Buffer body, as express.raw() gives it', () => {
    expect(verify({ secret, headers: headersFor(), body: Buffer.from(body), now })).toEqual(JSON.parse(body));
  });

  it('accepts a pre-decoded SigningKey', () => {
    expect(verify({ secret: createSigningKey(secret), headers: headersFor(), body, now })).toEqual(JSON.parse(body));
  });

  it('looks headers up case-insensitively in a plain object', () => {
    const headers = {
      'Webhook-Id': id,
      'WEBHOOK-TIMESTAMP': String(timestamp),
      'Webhook-Signature': sign({ secret, id, timestamp, body }),
    };
    expect(verify({ secret, headers, body, now })).toEqual(JSON.parse(body));
  });

  it('reads a fetch Headers object', () => {
    const headers = new Headers(headersFor());
    expect(verify({ secret, headers, body, now })).toEqual(JSON.parse(body));
  });

  it('accepts when any one of several signatures matches', () => {
    const headers = headersFor({ 'webhook-signature': signatureHeader([otherSecret, secret], id, timestamp, body) });
    expect(verify({ secret, headers, body, now })).toEqual(JSON.parse(body));
  });

  it('accepts with any of several receiver secrets during a rotation', () => {
    expect(verify({ secret: [otherSecret, secret], headers: headersFor(), body, now })).toEqual(JSON.parse(body));
  });

  it('ignores signatures of versions it does not know', () => {
    const v1 = sign({ secret, id, timestamp, body });
    const headers = headersFor({ 'webhook-signature': `v1a,${v1.slice(3)} v2,whatever ${v1}` });
    expect(verify({ secret, headers, body, now })).toEqual(JSON.parse(body));
  });

  it('does not accept a valid signature under an unknown version', () => {
    const v1 = sign({ secret, id, timestamp, body });
    const headers = headersFor({ 'webhook-signature': `v2,${v1.slice(3)}` });
    expect(refusal(() => verify({ secret, headers, body, now }))).toBe('invalid_signature');
  });

  it('refuses a tampered body', () => {
    const tampered = body.replace('Acme', 'Evil');
    expect(refusal(() => verify({ secret, headers: headersFor(), body: tampered, now }))).toBe('invalid_signature');
  });

  it('refuses a tampered id', () => {
    const headers = headersFor({ 'webhook-id': 'msg_other' });
    expect(refusal(() => verify({ secret, headers, body, now }))).toBe('invalid_signature');
  });

  it('refuses the wrong secret', () => {
    expect(refusal(() => verify({ secret: otherSecret, headers: headersFor(), body, now }))).toBe('invalid_signature');
  });

  it.each([
    ['truncated', (s: string) => s.slice(0, -2)],
    ['one character changed', (s: string) => `${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}=`],
    ['without its version', (s: string) => s.slice(3)],
    ['empty after the version', () => 'v1,'],
  ])('refuses a signature %s', (_label, mangle) => {
    const headers = headersFor({ 'webhook-signature': mangle(sign({ secret, id, timestamp, body })) });
    expect(refusal(() => verify({ secret, headers, body, now }))).toBe('invalid_signature');
  });

  it('refuses a timestamp older than the tolerance, and accepts one at its edge', () => {
    expect(verify({ secret, headers: headersFor(), body, now: new Date((timestamp + 300) * 1000) })).toEqual(JSON.parse(body));
    const late = new Date((timestamp + 301) * 1000);
    expect(refusal(() => verify({ secret, headers: headersFor(), body, now: late }))).toBe('timestamp_too_old');
  });

  it('refuses a timestamp further in the future than the tolerance, and accepts one at its edge', () => {
    expect(verify({ secret, headers: headersFor(), body, now: new Date((timestamp - 300) * 1000) })).toEqual(JSON.parse(body));
    const early = new Date((timestamp - 301) * 1000);
    expect(refusal(() => verify({ secret, headers: headersFor(), body, now: early }))).toBe('timestamp_too_new');
  });

  it('honours a custom tolerance', () => {
    const later = new Date((timestamp + 60) * 1000);
    expect(verify({ secret, headers: headersFor(), body, now: later, toleranceSeconds: 60 })).toEqual(JSON.parse(body));
    expect(refusal(() => verify({ secret, headers: headersFor(), body, now: later, toleranceSeconds: 59 }))).toBe(
      'timestamp_too_old',
    );
  });

  it('checks against the system clock by default', () => {
    expect(refusal(() => verify({ secret, headers: headersFor(), body }))).toBe('timestamp_too_old');
    const current = Math.floor(Date.now() / 1000);
    const headers = headersFor({
      'webhook-timestamp': String(current),
      'webhook-signature': sign({ secret, id, timestamp: current, body }),
    });
    expect(verify({ secret, headers, body })).toEqual(JSON.parse(body));
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('refuses a message without %s', (name) => {
    const headers = headersFor();
    delete headers[name];
    expect(refusal(() => verify({ secret, headers, body, now }))).toBe('missing_headers');
  });

  it('refuses an empty header as missing', () => {
    const headers = headersFor({ 'webhook-signature': '' });
    expect(refusal(() => verify({ secret, headers, body, now }))).toBe('missing_headers');
  });

  it.each(['1614265330abc', '-1614265330', '1614265330.0', 'soon'])('refuses timestamp header %p', (value) => {
    const headers = headersFor({ 'webhook-timestamp': value });
    expect(refusal(() => verify({ secret, headers, body, now }))).toBe('invalid_timestamp');
  });

  it('refuses a correctly signed body that is not JSON', () => {
    const text = 'not json';
    const headers = headersFor({ 'webhook-signature': sign({ secret, id, timestamp, body: text }) });
    expect(refusal(() => verify({ secret, headers, body: text, now }))).toBe('invalid_body');
  });

  it('reports refusals as a named WebhookVerificationError', () => {
    const error = (() => {
      try {
        verify({ secret: otherSecret, headers: headersFor(), body, now });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'WebhookVerificationError', reason: 'invalid_signature' });
  });

  it('throws a plain Error, not a refusal, when the receiver secret is malformed', () => {
    const run = () => verify({ secret: 'whsec_???', headers: headersFor(), body, now });
    expect(run).toThrow(/not valid base64/);
    expect(run).not.toThrow(WebhookVerificationError);
  });
});
