/**
 * The SQL side of lib/pagination.ts: a page of rows newest first on (a
 * timestamp column, id), starting strictly after the cursor's row. Served by
 * an index on (<scope columns>, <time> DESC, id DESC); the row comparison
 * keeps the scan on it with no sort.
 */
import type { PagePosition } from '../lib/pagination.js';

export interface KeysetPage {
  /** The previous page's last row; absent for the first page. */
  after?: PagePosition;
  limit: number;
}

/** Which columns order the rows: created_at and id unless told, optionally table-qualified. */
export interface KeysetColumns {
  time?: string;
  id?: string;
  table?: string;
}

export interface KeysetSql {
  /** `(time, id) < (...)`, or undefined on the first page. */
  condition?: string;
  /** ORDER BY and LIMIT; one row more than the page, to tell whether another page follows. */
  orderAndLimit: string;
  /** Select it (it is named `page_at`): the ordering time with the microseconds a Date loses. */
  positionColumn: string;
}

function qualified(columns: KeysetColumns): { time: string; id: string } {
  const qualify = (name: string) => (columns.table ? `${columns.table}.${name}` : name);
  return { time: qualify(columns.time ?? 'created_at'), id: qualify(columns.id ?? 'id') };
}

/** The `page_at` column alone, for reads of one row that share a paged list's row type. */
export function pagePositionColumn(columns: KeysetColumns = {}): string {
  const { time } = qualified(columns);
  return `to_char(${time} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS page_at`;
}

/** Appends the page's parameters to `params` and answers the pieces to put in the query. */
export function keysetSql(
  page: KeysetPage,
  params: unknown[],
  columns: KeysetColumns = {},
): KeysetSql {
  const { time, id } = qualified(columns);
  let condition: string | undefined;
  if (page.after) {
    params.push(page.after.at, page.after.id);
    condition = `(${time}, ${id}) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(page.limit + 1);
  return {
    condition,
    orderAndLimit: `ORDER BY ${time} DESC, ${id} DESC LIMIT $${params.length}`,
    positionColumn: pagePositionColumn(columns),
  };
}

/** The position of a row selected with `positionColumn` (and its id as `id`). */
export function positionOf(row: { page_at: string; id: string }): PagePosition {
  return { at: row.page_at, id: row.id };
}
