import type { SecretBox } from '@herald/core';
import type { EndpointSignature } from '@herald/schemas';
import {
  createEd25519SigningKey,
  createRawHmacKey,
  createSigningKey,
  type Ed25519SigningKey,
  type RawHmacKey,
  type SigningKey,
} from '@herald/signing';

const MAX_CACHED = 10_000;

/** What an endpoint signs with, as stored (ciphertexts). */
export interface KeyedEndpoint {
  signature: EndpointSignature;
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: Date | null;
  signingKeyCiphertext: string | null;
  previousSigningKeyCiphertext: string | null;
}

/** The keys of one attempt, for its endpoint's scheme. */
export type AttemptKeys =
  /** `webhook-signature`: one entry per key, the current key first. */
  | { scheme: 'standard-webhooks'; keys: SigningKey[] }
  | { scheme: 'standard-webhooks-ed25519'; keys: Ed25519SigningKey[] }
  /** One value in one header: the secret that signs it now. */
  | { scheme: 'hmac-sha256'; key: RawHmacKey };

/**
 * Decrypted signing keys by ciphertext (and use), so the hot path does not
 * decrypt and decode a key per attempt. A rotated secret has a new
 * ciphertext, so the cache never serves a stale key.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, SigningKey | RawHmacKey | Ed25519SigningKey>();

  constructor(private readonly secretBox: SecretBox) {}

  private cached<T extends SigningKey | RawHmacKey | Ed25519SigningKey>(use: string, ciphertext: string, make: (plain: string) => T): T {
    const id = `${use}:${ciphertext}`;
    let key = this.keys.get(id) as T | undefined;
    if (!key) {
      if (this.keys.size >= MAX_CACHED) this.keys.clear();
      key = make(this.secretBox.decrypt(ciphertext));
      this.keys.set(id, key);
    }
    return key;
  }

  /** A `whsec_` secret as Standard Webhooks uses it (its base64 decoded). */
  get(ciphertext: string): SigningKey {
    return this.cached('v1', ciphertext, createSigningKey);
  }

  /**
   * The keys a delivery is signed with now (docs/api.md, "Secret rotation"):
   * for `webhook-signature` the current key plus the previous one during a
   * rotation overlap; for hmac-sha256, whose receivers compare one value, the
   * previous secret until the overlap ends and the current one after.
   *
   * @throws Error for a standard-webhooks-ed25519 endpoint without a key pair (never written by the api).
   */
  forEndpoint(endpoint: KeyedEndpoint, now: Date): AttemptKeys {
    const overlap = endpoint.previousSecretExpiresAt !== null && endpoint.previousSecretExpiresAt > now;
    switch (endpoint.signature.scheme) {
      case 'standard-webhooks': {
        const keys = [this.get(endpoint.secretCiphertext)];
        if (overlap && endpoint.previousSecretCiphertext) keys.push(this.get(endpoint.previousSecretCiphertext));
        return { scheme: 'standard-webhooks', keys };
      }
      case 'standard-webhooks-ed25519': {
        if (!endpoint.signingKeyCiphertext) throw new Error('a standard-webhooks-ed25519 endpoint has no key pair');
        const ed25519 = (ciphertext: string) => this.cached('v1a', ciphertext, createEd25519SigningKey);
        const keys = [ed25519(endpoint.signingKeyCiphertext)];
        if (overlap && endpoint.previousSigningKeyCiphertext) keys.push(ed25519(endpoint.previousSigningKeyCiphertext));
        return { scheme: 'standard-webhooks-ed25519', keys };
      }
      case 'hmac-sha256': {
        const ciphertext = overlap && endpoint.previousSecretCiphertext ? endpoint.previousSecretCiphertext : endpoint.secretCiphertext;
        return { scheme: 'hmac-sha256', key: this.cached('raw', ciphertext, createRawHmacKey) };
      }
    }
  }
}
