/** SQL for the call-log list: a tenant's calls, filtered, newest first, a page at a time. */
import type { CallRow } from './calls.js';
import type { Queryable } from './database.js';
import { keysetSql, type KeysetPage } from './keyset.js';

export interface CallLogFilter {
  status?: string;
  direction?: 'inbound' | 'outbound';
  from?: string;
  to?: string;
  agentId?: string;
  agentVersionId?: string;
  escalated?: boolean;
  outcome?: string;
  /** ISO 8601, inclusive; PostgreSQL parses it, keeping any microseconds. */
  createdAfter?: string;
  /** ISO 8601, exclusive. */
  createdBefore?: string;
}

/** Column and comparison for each filter; values are always parameters, never SQL. */
const FILTER_SQL: Record<keyof CallLogFilter, (placeholder: string) => string> = {
  status: (p) => `status = ${p}`,
  direction: (p) => `direction = ${p}`,
  from: (p) => `from_number = ${p}`,
  to: (p) => `to_number = ${p}`,
  agentId: (p) => `agent_id = ${p}`,
  agentVersionId: (p) => `agent_version_id = ${p}`,
  escalated: (p) => `escalated = ${p}`,
  outcome: (p) => `outcome = ${p}`,
  createdAfter: (p) => `created_at >= ${p}::timestamptz`,
  createdBefore: (p) => `created_at < ${p}::timestamptz`,
};

export type CallLogRow = CallRow & { page_at: string };

/** The list's SQL and parameters; every condition starts with the tenant. */
export function callLogSql(
  tenantId: string,
  filter: CallLogFilter,
  page: KeysetPage,
): { text: string; params: unknown[] } {
  const params: unknown[] = [tenantId];
  const conditions = ['tenant_id = $1'];
  for (const [name, value] of Object.entries(filter) as Array<[keyof CallLogFilter, unknown]>) {
    if (value === undefined) continue;
    params.push(value);
    conditions.push(FILTER_SQL[name](`$${params.length}`));
  }
  const keyset = keysetSql(page, params);
  if (keyset.condition) conditions.push(keyset.condition);

  const text = `SELECT *, ${keyset.positionColumn} FROM calls
     WHERE ${conditions.join(' AND ')}
     ${keyset.orderAndLimit}`;
  return { text, params };
}

/** One page plus one row (see db/keyset.ts). */
export async function listCallLogs(
  db: Queryable,
  tenantId: string,
  filter: CallLogFilter,
  page: KeysetPage,
): Promise<CallLogRow[]> {
  const { text, params } = callLogSql(tenantId, filter, page);
  return (await db.query<CallLogRow>(text, params)).rows;
}
