import { randomBytes } from 'node:crypto';
import { createSecretBox, parseEncryptionKey } from './secrets.js';

describe('SecretBox', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const cipher = box.encrypt('whsec_abc');
    expect(cipher).not.toContain('whsec_abc');
    expect(box.decrypt(cipher)).toBe('whsec_abc');
    expect(box.encrypt('whsec_abc')).not.toBe(cipher);
  });

  it('refuses a tampered ciphertext or another key', () => {
    const cipher = box.encrypt('whsec_abc');
    const parts = cipher.split('.');
    parts[3] = Buffer.from('x').toString('base64');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
    expect(() => createSecretBox(randomBytes(32)).decrypt(cipher)).toThrow();
  });

  it('digests API keys deterministically per key', () => {
    expect(box.digestApiKey('k')).toBe(box.digestApiKey('k'));
    expect(box.digestApiKey('k')).not.toBe(createSecretBox(randomBytes(32)).digestApiKey('k'));
  });

  it('parses base64 and hex keys of 32 bytes only', () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(() => parseEncryptionKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
