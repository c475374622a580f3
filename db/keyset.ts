/**
 * The SQL side of lib/pagination.ts: a page of rows newest first on
 * (created_at, id), starting strictly after the cursor's row. Served by an
 * index on (<scope columns>, created_at DESC, id DESC); the row comparison
 * keeps the scan on it with no sort.
 */
import type { PagePosition } from '../lib/pagination.js';

export interface KeysetPage {
  /** The previous page's last row; absent for the first page. */
  after?: PagePosition;
  limit: number;
}

export interface KeysetSql {
  /** `(created_at, id) < (...)`, or undefined on the first page. */
  condition?: string;
  /** ORDER BY and LIMIT; one row more than the page, to tell whether another page follows. */
  orderAndLimit: string;
  /** Select it as `page_created_at`: the microseconds a Date would lose. */
  positionColumn: string;
}

/** Appends the page's parameters to `params` and answers the pieces to put in the query. */
export function keysetSql(page: KeysetPage, params: unknown[], table?: string): KeysetSql {
  const column = (name: string) => (table ? `${table}.${name}` : name);
  let condition: string | undefined;
  if (page.after) {
    params.push(page.after.createdAt, page.after.id);
    const at = `$${params.length - 1}::timestamptz`;
    condition = `(${column('created_at')}, ${column('id')}) < (${at}, $${params.length})`;
  }
  params.push(page.limit + 1);
  return {
    condition,
    orderAndLimit: `ORDER BY ${column('created_at')} DESC, ${column('id')} DESC LIMIT $${params.length}`,
    positionColumn: `to_char(${column('created_at')} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS page_created_at`,
  };
}

/** The position of a row selected with `positionColumn`. */
export function positionOf(row: { page_created_at: string; id: string }): PagePosition {
  return { createdAt: row.page_created_at, id: row.id };
}
