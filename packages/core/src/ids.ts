import { randomBytes } from 'node:crypto';

// Crockford base32, as ULID uses: lexical order of ids follows creation time.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The id prefixes (docs/api.md, "Conventions"), one per kind of resource. */
export type IdPrefix = 'tnt' | 'key' | 'ses' | 'ep' | 'evt' | 'dlv' | 'att';

let lastMs = 0;
let lastRandom: Buffer = Buffer.alloc(10);

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  // 80 bits -> 16 base32 characters, 5 bits at a time.
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** Increments the 80-bit random part so ids made in the same millisecond stay ordered. */
function increment(bytes: Buffer): Buffer {
  const next = Buffer.from(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] === 255) {
      next[i] = 0;
    } else {
      next[i]++;
      break;
    }
  }
  return next;
}

/**
 * A new prefixed, time-sortable id (`evt_01JH...`): a ULID after the prefix,
 * monotonic within one process.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  if (now <= lastMs) {
    lastRandom = increment(lastRandom);
  } else {
    lastMs = now;
    lastRandom = randomBytes(10);
  }
  return `${prefix}_${encodeTime(lastMs)}${encodeRandom(lastRandom)}`;
}

/**
 * The smallest id of this kind made at `ms` or later: every id made before
 * `ms` sorts below it, every one made at or after it sorts at or above it.
 * For turning a time range into an id range.
 */
export function idFloorAt(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encodeTime(Math.max(0, Math.floor(ms)))}`;
}

/** Whether `value` looks like an id of this kind (prefix and 26 ULID characters). */
export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`).test(value);
}
