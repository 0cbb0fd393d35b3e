const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** The error a parser here throws; its message completes "--since: ...". */
export class DurationError extends Error {
  override name = 'DurationError';
}

/**
 * Milliseconds in a duration such as `90s`, `30m`, `2h`, `7d`, `1w`: one whole
 * number and one unit, as on-call engineers type them.
 */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(text.trim());
  if (!match) throw new DurationError(`'${text}' is not a duration: use a number and a unit, e.g. 30m, 2h, 7d`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms <= 0) throw new DurationError(`'${text}' is not a duration: it must be more than 0`);
  return ms;
}

/**
 * A `--since` value as the ISO 8601 UTC time the api takes: a duration counts
 * back from `now` (`2h` is two hours ago); otherwise an ISO date or time
 * (`2026-01-08`, `2026-01-08T10:00:00Z`; without an offset it is local time).
 */
export function parseSince(text: string, now: Date = new Date()): string {
  const value = text.trim();
  if (/^\d+[a-z]$/i.test(value)) return new Date(now.getTime() - parseDuration(value)).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new DurationError(`'${text}' is neither a duration (30m, 2h, 7d) nor an ISO time (2026-01-08T10:00:00Z)`);
  }
  if (at > now.getTime()) throw new DurationError(`'${text}' is in the future`);
  return new Date(at).toISOString();
}

/** A stats `--window` as the api takes it: minutes, hours or days, e.g. `15m`, `24h`, `7d` (the api caps it at 30d). */
export function parseWindow(text: string): string {
  const value = text.trim();
  if (!/^\d{1,6}[mhd]$/.test(value) || Number(value.slice(0, -1)) === 0) {
    throw new DurationError(`'${text}' is not a window: use minutes, hours or days, e.g. 15m, 24h, 7d`);
  }
  return value;
}
