import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encrypts signing secrets at rest with AES-256-GCM under HERALD_ENCRYPTION_KEY,
 * and derives the pepper that API-key digests are keyed with.
 */
export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** HMAC-SHA256 of an API key under a pepper derived from the encryption key. */
  digestApiKey(key: string): string;
}

const VERSION = 'v1';

/** Parses HERALD_ENCRYPTION_KEY: base64 (or hex) of exactly 32 bytes. */
export function parseEncryptionKey(value: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw new Error('must be 32 bytes, base64- or hex-encoded (e.g. `openssl rand -base64 32`)');
  }
  return key;
}

/** Builds the SecretBox for a 32-byte key. */
export function createSecretBox(key: Buffer): SecretBox {
  const pepper = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'herald api-key pepper', 32));
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
    },
    decrypt(ciphertext) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) {
        throw new Error('unrecognised ciphertext format');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    },
    digestApiKey(apiKey) {
      return createHmac('sha256', pepper).update(apiKey).digest('hex');
    },
  };
}
