// v1a (Standard Webhooks' ed25519 signature) checked against an independent
// ed25519 implementation (@noble/ed25519, pure JavaScript, not OpenSSL) and the
// published key and signature formats.
import * as noble from '@noble/ed25519';
import {
  createEd25519PublicKey,
  createEd25519SigningKey,
  generateKeyPair,
  PRIVATE_KEY_PREFIX,
  PUBLIC_KEY_PREFIX,
  publicKeyOf,
} from './ed25519.js';
import { signatureHeader } from './sign.js';
import { verify } from './verify.js';
import { WebhookVerificationError } from './webhook-verification-error.js';

// The asymmetric vector published with the Standard Webhooks reference server
// (svix-webhooks): this key pair signs this message as this v1a signature, the one
// also shown in the specification's example header.
const vector = {
  privateKey: 'whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==',
  publicKey: 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==',
};
const now = new Date(vector.timestamp * 1000);
const bytes = (text: string) => new TextEncoder().encode(text);
const headersOf = (signature: string) => ({
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': signature,
});

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('v1a signing', () => {
  it('reproduces the published vector byte for byte', () => {
    expect(signatureHeader([vector.privateKey], vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it('derives the published whpk_ public key from the whsk_ secret key', () => {
    expect(publicKeyOf(vector.privateKey)).toBe(vector.publicKey);
  });

  it('generates keys in the published format: whsk_ of seed and public key (64 bytes), whpk_ of 32 bytes', async () => {
    const pair = generateKeyPair();
    expect(pair.privateKey).toMatch(/^whsk_[A-Za-z0-9+/]{86}==$/);
    expect(pair.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    const raw = Buffer.from(pair.privateKey.slice(PRIVATE_KEY_PREFIX.length), 'base64');
    // The independent implementation derives the same public key from the seed.
    expect(Buffer.from(await noble.getPublicKeyAsync(raw.subarray(0, 32))).toString('base64')).toBe(pair.publicKey.slice(PUBLIC_KEY_PREFIX.length));
    expect(raw.subarray(32).toString('base64')).toBe(pair.publicKey.slice(PUBLIC_KEY_PREFIX.length));
    expect(generateKeyPair().privateKey).not.toBe(pair.privateKey);
  });

  it('signs what the independent implementation verifies, and nothing else', async () => {
    const pair = generateKeyPair();
    const publicKey = Buffer.from(pair.publicKey.slice(PUBLIC_KEY_PREFIX.length), 'base64');
    const body = '{"payload":{"name":"Zoë 🚀"}}';
    const header = signatureHeader([pair.privateKey], 'evt_1', 1795451451, body);
    expect(header).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    const signature = Buffer.from(header.slice('v1a,'.length), 'base64');
    expect(await noble.verifyAsync(signature, bytes(`evt_1.1795451451.${body}`), publicKey)).toBe(true);
    expect(await noble.verifyAsync(signature, bytes(`evt_1.1795451452.${body}`), publicKey)).toBe(false);
    expect(await noble.verifyAsync(signature, bytes(`evt_1.1795451451.${body} `), publicKey)).toBe(false);
  });

  it('signs with several keys, space-separated, and mixes v1 and v1a', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const header = signatureHeader([createEd25519SigningKey(vector.privateKey), secret], vector.id, vector.timestamp, vector.body);
    expect(header).toBe(`${vector.signature} v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=`);
  });

  it.each([
    ['no prefix', vector.privateKey.slice(5)],
    ['a public key', vector.publicKey],
    ['32 bytes only (a bare seed)', `whsk_${Buffer.alloc(32, 1).toString('base64')}`],
    ['bad base64', 'whsk_!!!!'],
  ])('refuses a secret key with %s', (_label, key) => {
    expect(() => createEd25519SigningKey(key)).toThrow(/ed25519 secret key/);
  });

  it('refuses a secret key whose public half does not belong to its seed', () => {
    const raw = Buffer.from(vector.privateKey.slice(5), 'base64');
    raw[40] = raw[40]! ^ 1;
    expect(() => createEd25519SigningKey(`whsk_${raw.toString('base64')}`)).toThrow(/does not match its seed/);
  });

  it('does not reveal the key when printed or serialised', () => {
    const key = createEd25519SigningKey(vector.privateKey);
    expect(JSON.stringify(key)).not.toContain('6Xb/');
    expect(String(Object.values(key))).not.toContain('6Xb/');
  });
});

describe('v1a verifying', () => {
  it('accepts the published vector with the published public key', () => {
    expect(verify({ publicKey: vector.publicKey, headers: headersOf(vector.signature), body: vector.body, now })).toEqual({ test: 2432232314 });
  });

  it('accepts a signature made by the independent implementation', async () => {
    const seed = noble.utils.randomSecretKey();
    const publicKey = `whpk_${Buffer.from(await noble.getPublicKeyAsync(seed)).toString('base64')}`;
    const signature = Buffer.from(await noble.signAsync(bytes(`${vector.id}.${vector.timestamp}.${vector.body}`), seed)).toString('base64');
    expect(verify({ publicKey, headers: headersOf(`v1a,${signature}`), body: vector.body, now })).toEqual({ test: 2432232314 });
  });

  it('accepts when any entry matches any key (a rotation overlap), skipping v1 entries it has no secret for', () => {
    const other = generateKeyPair();
    const header = signatureHeader([other.privateKey, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', vector.privateKey], vector.id, vector.timestamp, vector.body);
    expect(verify({ publicKey: vector.publicKey, headers: headersOf(header), body: vector.body, now })).toEqual({ test: 2432232314 });
    expect(verify({ publicKey: [vector.publicKey, other.publicKey], headers: headersOf(vector.signature), body: vector.body, now })).toBeTruthy();
  });

  it.each([
    ['another key', () => ({ publicKey: generateKeyPair().publicKey, signature: vector.signature, body: vector.body })],
    ['a changed body', () => ({ publicKey: vector.publicKey, signature: vector.signature, body: '{"test": 2432232315}' })],
    ['the signature under v1', () => ({ publicKey: vector.publicKey, signature: vector.signature.replace('v1a,', 'v1,'), body: vector.body })],
    ['a truncated signature', () => ({ publicKey: vector.publicKey, signature: vector.signature.slice(0, -4), body: vector.body })],
    ['a flipped bit', () => ({ publicKey: vector.publicKey, signature: vector.signature.replace('hnO3', 'hnO4'), body: vector.body })],
  ])('refuses %s', (_label, make) => {
    const { publicKey, signature, body } = make();
    expect(refusal(() => verify({ publicKey, headers: headersOf(signature), body, now }))).toBe('invalid_signature');
  });

  it('refuses a v1a signature when it holds only a secret', () => {
    expect(refusal(() => verify({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers: headersOf(vector.signature), body: vector.body, now }))).toBe(
      'invalid_signature',
    );
  });

  it('throws a configuration error, not a refusal, for a malformed public key', () => {
    expect(() => verify({ publicKey: 'whpk_short', headers: headersOf(vector.signature), body: vector.body, now })).toThrow(/ed25519 public key/);
    expect(() => createEd25519PublicKey(vector.privateKey)).toThrow(/must start with whpk_/);
  });
});
