import { sql } from 'kysely';
import { encodeRunCursor, type RunCursor } from './run-cursor';

// Keyset pages over (created_at, id), shared by the run and agent lists.

/**
 * The sort key as text to the microsecond, selected as `cursor_created_at`: a Date would round
 * it, and the next page would then skip or repeat the rows sharing the last row's millisecond.
 */
export const CURSOR_CREATED_AT = sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A cursor's time, as the timestamptz the page condition compares with. */
export function cursorTime(cursor: RunCursor) {
  return sql<Date>`${cursor.createdAt}::timestamptz`;
}

/**
 * The page of `rows` (read with `limit + 1`: one row more than the page tells whether there is
 * a next page without a count), without their sort key, and the cursor of the next page.
 */
export function takePage<R extends { readonly id: string; readonly cursor_created_at: string }>(
  rows: readonly R[],
  limit: number,
): { page: Omit<R, 'cursor_created_at'>[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last ? encodeRunCursor({ createdAt: last.cursor_created_at, id: last.id }) : null;
  return { page: page.map(({ cursor_created_at: _key, ...row }) => row), nextCursor };
}
