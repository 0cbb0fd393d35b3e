import { randomBytes } from 'node:crypto';
import type { ApiKeyScope } from '@herald/schemas';

export type KeyScope = ApiKeyScope;

/**
 * A new API key: `herald_<scope>_` + 256 random bits (base64url). The scope in
 * the key lets secret scanners and people tell keys apart; the prefix shown
 * later is the first 20 characters.
 */
export function generateApiKey(scope: KeyScope): { key: string; prefix: string } {
  const key = `herald_${scope}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 20) };
}

/**
 * A new console session token: `herald_session_` + 256 random bits. It lives
 * only in the caller's HttpOnly cookie; Herald stores its digest, as for keys.
 */
export function generateSessionToken(): string {
  return `herald_session_${randomBytes(32).toString('base64url')}`;
}
