import { AppError, isId, type IdPrefix } from '@herald/core';
import type { Page } from '@herald/schemas';

/** Opaque cursor from a sort key (ids are time-sortable, so an id is the usual key). */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * The sort key inside a cursor, as `parseKey` reads it (null for the first
 * page); 400 for a cursor that is not one of ours, so a made-up key never
 * reaches a query (where a date PostgreSQL cannot store would be a 500).
 */
export function decodeCursor<K>(cursor: string | undefined, parseKey: (key: string) => K | null): K | null {
  if (!cursor) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const key = /^[\x20-\x7e]{1,200}$/.test(text) ? parseKey(text) : null;
  if (key === null) {
    throw AppError.badRequest('The cursor is not valid; pass next_cursor from a previous page.', [{ path: 'cursor', message: 'is not a valid cursor' }]);
  }
  return key;
}

/** Reads the key of a list ordered by id: an id of this kind, or null. */
export function idCursorKey(prefix: IdPrefix): (key: string) => string | null {
  return (key) => (isId(prefix, key) ? key : null);
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only tells
 * that there is a next page.
 */
export function toPage<Row, Out>(rows: Row[], limit: number, keyOf: (row: Row) => string, map: (row: Row) => Out): Page<Out> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return {
    data: kept.map(map),
    next_cursor: more ? encodeCursor(keyOf(kept[kept.length - 1]!)) : null,
  };
}
