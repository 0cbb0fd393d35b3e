import type { SecretBox } from '@herald/core';
import { createSigningKey, type SigningKey } from '@herald/signing';

const MAX_CACHED = 10_000;

/**
 * Decrypted signing keys by ciphertext, so the hot path does not decrypt and
 * decode a secret per attempt. A rotated secret has a new ciphertext, so the
 * cache never serves a stale key.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, SigningKey>();

  constructor(private readonly secretBox: SecretBox) {}

  get(ciphertext: string): SigningKey {
    let key = this.keys.get(ciphertext);
    if (!key) {
      if (this.keys.size >= MAX_CACHED) this.keys.clear();
      key = createSigningKey(this.secretBox.decrypt(ciphertext));
      this.keys.set(ciphertext, key);
    }
    return key;
  }

  /** The keys a delivery is signed with now: the current one, plus the previous one during a rotation overlap. */
  forEndpoint(endpoint: { secretCiphertext: string; previousSecretCiphertext: string | null; previousSecretExpiresAt: Date | null }, now: Date): SigningKey[] {
    const keys = [this.get(endpoint.secretCiphertext)];
    if (endpoint.previousSecretCiphertext && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
      keys.push(this.get(endpoint.previousSecretCiphertext));
    }
    return keys;
  }
}
