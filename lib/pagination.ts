/**
 * Keyset pagination for the tenant list routes: newest first on a timestamp
 * and the id (created_at for calls), `limit` and an opaque `cursor` in the
 * query, `{ data, next_cursor }` in the answer. The cursor names the last row
 * of the previous page, and the next page starts strictly after it, so rows
 * inserted while a client pages through never shift or repeat what follows.
 * db/keyset.ts holds the matching SQL.
 */
import { z } from 'zod';

export const DEFAULT_PAGE_LIMIT = 25;
export const MAX_PAGE_LIMIT = 100;

/** Where a page ends: the last row's ordering time (to the microsecond) and id. */
export interface PagePosition {
  /** ISO 8601 UTC with microseconds, as db/keyset.ts selects it; a JS Date would drop them. */
  at: string;
  id: string;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ROW_ID = /^[A-Za-z0-9_-]{1,100}$/;
const MAX_CURSOR_LENGTH = 400;

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

/** The position a cursor names, or undefined for anything a previous page did not hand out. */
export function decodeCursor(cursor: string): PagePosition | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [at, id] = decoded as unknown[];
  if (typeof at !== 'string' || !INSTANT.test(at)) return undefined;
  // Date.parse takes 2026-02-30 for March 2nd; PostgreSQL would refuse it. Only real instants.
  const parsedMs = Date.parse(at);
  if (Number.isNaN(parsedMs)) return undefined;
  if (new Date(parsedMs).toISOString().slice(0, 19) !== at.slice(0, 19)) return undefined;
  if (typeof id !== 'string' || !ROW_ID.test(id)) return undefined;
  return { at, id };
}

/** The query fields of a paged list; spread them into the route's query schema. */
export function pageQueryFields(
  limits: { defaultLimit: number; maxLimit: number } = {
    defaultLimit: DEFAULT_PAGE_LIMIT,
    maxLimit: MAX_PAGE_LIMIT,
  },
) {
  return {
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(limits.maxLimit)
      .default(limits.defaultLimit)
      .meta({ description: `Items per page, 1 to ${limits.maxLimit}.` }),
    cursor: z
      .string()
      .refine(
        (value) => decodeCursor(value) !== undefined,
        'not a next_cursor from a previous page',
      )
      .optional()
      .meta({
        description: 'The `next_cursor` of the previous page; leave out for the first page.',
      }),
  };
}

/** The page fields with the default limits (25, at most 100). */
export const pageQuery = pageQueryFields();

export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({
    data: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });
}

/**
 * The answer for rows fetched with `limit + 1` (see db/keyset.ts): the extra
 * row only tells that another page exists, so the last page has no cursor.
 */
export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  present: (row: Row) => Item,
  positionOf: (row: Row) => PagePosition,
): { data: Item[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const more = rows.length > limit && last !== undefined;
  return { data: page.map(present), next_cursor: more ? encodeCursor(positionOf(last)) : null };
}
