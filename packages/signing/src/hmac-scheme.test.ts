import { createHmac } from 'node:crypto';
import { createRawHmacKey, hmacSignature, hmacSignatureMatches } from './hmac-scheme.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = '{"z":1,"a":"Zoë 🚀"}';

describe('hmacSignature (the hmac-sha256 scheme)', () => {
  it('is the hex HMAC-SHA256 of the raw body keyed with the secret string as shown, prefix first', () => {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
    expect(hmacSignature({ secret, body, prefix: 'sha256=' })).toBe(`sha256=${expected}`);
    expect(hmacSignature({ secret, body })).toBe(expected);
  });

  it('does not decode the whsec_ base64: the key is the text itself', () => {
    const decodedKey = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(body).digest('hex');
    expect(hmacSignature({ secret, body })).not.toBe(decodedKey);
  });

  it('writes base64 when asked', () => {
    const expected = createHmac('sha256', secret).update(body).digest('base64');
    expect(hmacSignature({ secret, body, encoding: 'base64' })).toBe(expected);
  });

  it('signs "{timestamp}.{body}" when given a timestamp', () => {
    const expected = createHmac('sha256', secret).update(`1795451451.${body}`).digest('hex');
    expect(hmacSignature({ secret, body, timestamp: 1795451451 })).toBe(expected);
    expect(hmacSignature({ secret, body, timestamp: 1795451452 })).not.toBe(expected);
  });

  it('gives the same value for a Buffer body and a prepared key', () => {
    expect(hmacSignature({ secret: createRawHmacKey(secret), body: Buffer.from(body) })).toBe(hmacSignature({ secret, body }));
  });

  it.each([1.5, -1, Number.NaN])('refuses timestamp %p', (timestamp) => {
    expect(() => hmacSignature({ secret, body, timestamp })).toThrow(RangeError);
  });
});

describe('hmacSignatureMatches', () => {
  const received = hmacSignature({ secret, body, prefix: 'sha256=' });

  it('accepts the value for this body and secret', () => {
    expect(hmacSignatureMatches({ secret, body, prefix: 'sha256=', received })).toBe(true);
  });

  it.each([
    ['another secret', { secret: `${secret}x` }],
    ['another body', { body: `${body} ` }],
    ['no prefix', { prefix: '' }],
    ['base64', { encoding: 'base64' as const }],
  ])('refuses with %s', (_label, change) => {
    expect(hmacSignatureMatches({ secret, body, prefix: 'sha256=', received, ...change })).toBe(false);
  });
});
