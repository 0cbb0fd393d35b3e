import { z } from 'zod';

/** `?limit=&cursor=` of every list route (docs/api.md, "Conventions"). */
export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

/**
 * The instants Herald accepts, as milliseconds: years 0001 to 9999 in UTC.
 * PostgreSQL's timestamptz has no year 0, and Prisma refuses a Date past
 * 9999; a JS Date reaches further either way, so without the bounds such a
 * value would fail in the query instead of being refused as input.
 */
export const TIMESTAMP_RANGE = { min: Date.parse('0001-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') } as const;

/** Whether a time (ms since the epoch) is in {@link TIMESTAMP_RANGE}; false for NaN. */
export function isStorableTime(ms: number): boolean {
  return ms >= TIMESTAMP_RANGE.min && ms <= TIMESTAMP_RANGE.max;
}

/** ISO 8601 timestamp with offset, e.g. `2026-01-08T10:00:00.000Z`, within {@link TIMESTAMP_RANGE}. */
export const TimestampSchema = z.iso
  // abort: the range is checked only on a well-formed timestamp, so a bad one gets one issue.
  .datetime({ offset: true, abort: true })
  .refine((value) => isStorableTime(Date.parse(value)), 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z');

/** An event type name: 1..128 of `a-z 0-9 _ . -`. */
export const EventTypeNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9_.-]+$/, "must be 1..128 characters of 'a-z 0-9 _ . -'");

/** A JSON object (what payloads, headers maps and metadata are). */
export const JsonObjectSchema = z.record(z.string(), z.unknown());

/** `{ data, next_cursor }` of every list answer. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** The zod form of a page, for documentation. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

/** A timestamp as Herald writes it. */
export const IsoTimestampOut = z.string().describe('ISO 8601 UTC, e.g. 2026-01-08T10:00:00.000Z');
