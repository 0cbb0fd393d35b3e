import { AppError } from '@herald/core';
import type { Page } from '@herald/schemas';

/** Opaque cursor from a sort key (ids are time-sortable, so an id is the usual key). */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** The sort key inside a cursor (null for the first page); 400 for a cursor that is not one of ours. */
export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[\x20-\x7e]{1,200}$/.test(key)) {
    throw AppError.badRequest('The cursor is not valid; pass next_cursor from a previous page.', [{ path: 'cursor', message: 'is not a valid cursor' }]);
  }
  return key;
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
