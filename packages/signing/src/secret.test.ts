import { decodeSecret, generateSecret, secretPrefix } from './secret.js';

describe('generateSecret', () => {
  it('issues whsec_ + base64 of 32 random bytes by default', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(decodeSecret(secret)).toHaveLength(32);
  });

  it.each([24, 48, 64])('issues %i bytes when asked', (bytes) => {
    expect(decodeSecret(generateSecret(bytes))).toHaveLength(bytes);
  });

  it('never repeats a secret', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => generateSecret()));
    expect(secrets.size).toBe(100);
  });

  it.each([0, 16, 23, 65, 1024, 32.5, Number.NaN])('refuses %p bytes', (bytes) => {
    expect(() => generateSecret(bytes)).toThrow(RangeError);
  });
});

describe('decodeSecret', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('returns the bytes behind the whsec_ prefix', () => {
    expect(decodeSecret(secret)).toEqual(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
    expect(decodeSecret(secret)).toHaveLength(24);
  });

  it('accepts the bare base64 part too', () => {
    expect(decodeSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toEqual(decodeSecret(secret));
  });

  it.each([
    ['a character outside base64', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La!aSw'],
    ['a space inside', 'whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw'],
    ['missing padding', `whsec_${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`],
    ['url-safe alphabet', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa_w'],
    ['nothing after the prefix', 'whsec_'],
    ['an empty string', ''],
  ])('rejects %s as invalid base64', (_label, bad) => {
    expect(() => decodeSecret(bad)).toThrow(/not valid base64/);
  });

  it.each([
    ['too short (16 bytes)', `whsec_${Buffer.alloc(16, 1).toString('base64')}`],
    ['too long (65 bytes)', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
  ])('rejects a secret %s', (_label, bad) => {
    expect(() => decodeSecret(bad)).toThrow(/must decode to 24 to 64 bytes/);
  });
});

describe('secretPrefix', () => {
  it('shows only the first 12 characters', () => {
    expect(secretPrefix('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe('whsec_MfKQ9r');
  });
});
