import { z } from 'zod';

/** `?limit=&cursor=` of every list route (docs/api.md, "Conventions"). */
export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

/** ISO 8601 timestamp with offset, e.g. `2026-01-08T10:00:00.000Z`. */
export const TimestampSchema = z.iso.datetime({ offset: true });

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
