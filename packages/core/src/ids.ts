import { randomFillSync } from 'node:crypto';

// Crockford base32, as ULID uses: lexical order of ids follows creation time.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The id prefixes (docs/api.md, "Conventions"), one per kind of resource. */
export type IdPrefix = 'tnt' | 'key' | 'ses' | 'ep' | 'evt' | 'dlv' | 'att';

const RANDOM_BYTES = 10;
// Random bytes are drawn from the system 4 KiB at a time: one call for each millisecond that
// made an id (a sync call into OpenSSL with a buffer of its own) cost ingest and the worker 1–3 %
// of their CPU. Ids are not secrets (session tokens are made apart, in the api).
const pool = Buffer.allocUnsafe(RANDOM_BYTES * 409);
let poolOffset = pool.length;

let lastMs = 0;
// The random part of the last id, incremented in place for the next id in the same millisecond.
const lastRandom = Buffer.alloc(RANDOM_BYTES);
let lastTime = encodeTime(0);

/** Fresh random bytes into `lastRandom`. */
function drawRandom(): void {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(lastRandom, 0, poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
}

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

/** Increments the 80-bit random part in place so ids made in the same millisecond stay ordered. */
function increment(bytes: Buffer): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] === 255) {
      bytes[i] = 0;
    } else {
      bytes[i]++;
      break;
    }
  }
}

/**
 * A new prefixed, time-sortable id (`evt_01JH...`): a ULID after the prefix,
 * monotonic within one process.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  if (now <= lastMs) {
    increment(lastRandom);
  } else {
    lastMs = now;
    lastTime = encodeTime(now);
    drawRandom();
  }
  return `${prefix}_${lastTime}${encodeRandom(lastRandom)}`;
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
