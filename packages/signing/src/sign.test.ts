import { createHmac } from 'node:crypto';
import { signatureHeader, sign } from './sign.js';
import { createSigningKey } from './signing-key.js';

// The vector published with the Standard Webhooks specification.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
};
const vectorSignature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

describe('sign', () => {
  it('reproduces the published Standard Webhooks vector', () => {
    expect(sign(vector)).toBe(vectorSignature);
  });

  it('gives the same signature from a pre-decoded SigningKey', () => {
    expect(sign({ ...vector, secret: createSigningKey(vector.secret) })).toBe(vectorSignature);
  });

  it('signs a Buffer body the same as its string', () => {
    expect(sign({ ...vector, body: Buffer.from(vector.body) })).toBe(vectorSignature);
  });

  it('is the HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed with the decoded secret', () => {
    const key = Buffer.from(vector.secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${vector.id}.${vector.timestamp}.${vector.body}`).digest('base64');
    expect(sign(vector)).toBe(`v1,${expected}`);
  });

  it.each([
    ['id', { id: 'msg_other' }],
    ['timestamp', { timestamp: vector.timestamp + 1 }],
    ['body', { body: '{"test": 2432232315}' }],
    ['secret', { secret: 'whsec_NfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
  ])('changes when the %s changes', (_field, change) => {
    expect(sign({ ...vector, ...change })).not.toBe(vectorSignature);
  });

  it.each([1614265330.5, -1, Number.NaN])('refuses timestamp %p, which receivers could not reproduce', (timestamp) => {
    expect(() => sign({ ...vector, timestamp })).toThrow(RangeError);
  });

  it('refuses a malformed secret', () => {
    expect(() => sign({ ...vector, secret: 'whsec_not base64' })).toThrow(/not valid base64/);
  });
});

describe('signatureHeader', () => {
  const newSecret = 'whsec_' + Buffer.alloc(32, 9).toString('base64');

  it('is a single signature for a single secret', () => {
    expect(signatureHeader([vector.secret], vector.id, vector.timestamp, vector.body)).toBe(vectorSignature);
  });

  it('lists one signature per secret, space-separated, in the order given', () => {
    const header = signatureHeader([vector.secret, newSecret], vector.id, vector.timestamp, vector.body);
    expect(header.split(' ')).toEqual([vectorSignature, sign({ ...vector, secret: newSecret })]);
  });

  it('accepts a mix of strings and SigningKeys', () => {
    const header = signatureHeader([createSigningKey(vector.secret), newSecret], vector.id, vector.timestamp, vector.body);
    expect(header).toBe(signatureHeader([vector.secret, newSecret], vector.id, vector.timestamp, vector.body));
  });

  it('refuses an empty list of secrets', () => {
    expect(() => signatureHeader([], vector.id, vector.timestamp, vector.body)).toThrow(RangeError);
  });
});

describe('createSigningKey', () => {
  it('does not reveal the key when printed or serialised', () => {
    const key = createSigningKey(vector.secret);
    const raw = vector.secret.slice('whsec_'.length);
    expect(JSON.stringify(key)).not.toContain(raw);
    expect(String(Object.values(key))).not.toContain(raw);
  });

  it('refuses a malformed secret at creation', () => {
    expect(() => createSigningKey(`whsec_${Buffer.alloc(16).toString('base64')}`)).toThrow(/must decode to 24 to 64 bytes/);
  });
});
