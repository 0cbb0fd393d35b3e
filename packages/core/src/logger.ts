import winston from 'winston';
import { KEY_SCOPES } from '@herald/schemas';

export type Logger = winston.Logger;

// Keys whose values are secrets wherever they appear in a log entry.
const SECRET_KEY = /secret|password|token|authorization|signature|api[_-]?key|^key$|cookie/i;
// Secret-shaped strings anywhere in a message: signing secrets, API keys, signatures,
// also percent-encoded (a secret pasted into a URL path is logged with the path).
const B64 = '(?:[A-Za-z0-9+/=]|%2[BbFf]|%3[Dd])';
const SECRET_VALUE = new RegExp(
  `whsec_${B64}+|herald_(?:${[...KEY_SCOPES, 'session'].join('|')})_[A-Za-z0-9_-]+|v1(?:,|%2[Cc])${B64}{43,}|Bearer\\s+\\S+`,
  'g',
);

/** Replaces secrets in a string: the secret-shaped ones, and the given literal values. */
function redactText(text: string, literals: readonly string[]): string {
  let out = text.replace(SECRET_VALUE, '[redacted]');
  for (const literal of literals) if (out.includes(literal)) out = out.split(literal).join('[redacted]');
  return out;
}

function redactValue(value: unknown, depth: number, literals: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, literals);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  // The stack's first line repeats the message, so it is redacted too.
  if (value instanceof Error) {
    return { name: value.name, message: redactValue(value.message, depth + 1, literals), stack: redactValue(value.stack, depth + 1, literals) };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, literals));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactValue(v, depth + 1, literals);
  }
  return out;
}

/**
 * A winston format that removes secrets, API keys and signatures from every
 * entry, and each of `literals` wherever it appears (as sent, and
 * percent-encoded as it would be in a URL).
 */
const redact = winston.format((info, opts: unknown) => {
  const literals = (opts as { literals?: readonly string[] } | undefined)?.literals ?? [];
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    (info as Record<string, unknown>)[key] = SECRET_KEY.test(key)
      ? '[redacted]'
      : redactValue((info as Record<string, unknown>)[key], 0, literals);
  }
  return info;
});

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where entries go; defaults to stdout. Tests pass a stream to inspect them. */
  stream?: NodeJS.WritableStream;
  /**
   * Secrets without a recognisable shape (the root token), redacted wherever
   * they appear: a caller may paste one into a URL or an X-Request-Id.
   */
  redact?: readonly string[];
}

/** The JSON logger every service uses; bind ids with `logger.child({ delivery_id })`. */
export function createLogger({ service, level = 'info', stream, redact: secrets = [] }: LoggerOptions): Logger {
  const literals = [...new Set(secrets.filter(Boolean).flatMap((secret) => [secret, encodeURIComponent(secret)]))];
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(winston.format.timestamp(), redact({ literals }), winston.format.json()),
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console()],
  });
}
