/** SQL for operator queues and callback tasks; every query names the tenant. */
import type { Queryable } from './database.js';

export interface CallbackPolicy {
  max_attempts: number;
  spacing_sec: number;
  time_zone: string;
  /** Local times "HH:MM"; no calls from start until end (may wrap past midnight). */
  quiet_hours: { start: string; end: string } | null;
}

export interface QueueRow {
  id: string;
  tenant_id: string;
  name: string;
  operator_number: string | null;
  time_zone: string;
  business_hours: Record<string, [string, string]>;
  members: string[];
  capacity: number;
  created_at: Date;
}

export type CallbackStatus =
  'open' | 'scheduled' | 'calling' | 'claimed' | 'completed' | 'canceled' | 'failed';

export interface CallbackTaskRow {
  id: string;
  tenant_id: string;
  queue_id: string | null;
  call_id: string | null;
  phone_number: string;
  from_number: string;
  agent_id: string | null;
  agent_version_id: string | null;
  reason: string;
  source: 'agent' | 'handoff' | 'api';
  mode: 'call' | 'notify_queue';
  status: CallbackStatus;
  due_at: Date | null;
  attempts: number;
  last_call_id: string | null;
  claimed_by: string | null;
  disposition: string | null;
  workflow_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewCallbackTask {
  id: string;
  tenantId: string;
  queueId?: string | null;
  callId?: string | null;
  phoneNumber: string;
  fromNumber: string;
  agentId?: string | null;
  agentVersionId?: string | null;
  reason: string;
  source: CallbackTaskRow['source'];
  mode: CallbackTaskRow['mode'];
  status: CallbackStatus;
  dueAt?: string | null;
  workflowId?: string | null;
}

export const FINISHED_STATUSES: ReadonlySet<CallbackStatus> = new Set([
  'completed',
  'canceled',
  'failed',
]);

export async function insertCallbackTask(
  db: Queryable,
  task: NewCallbackTask,
): Promise<CallbackTaskRow> {
  // A retried activity inserts the same id again: the first row stands.
  const result = await db.query<CallbackTaskRow>(
    `INSERT INTO callback_tasks (id, tenant_id, queue_id, call_id, phone_number, from_number,
       agent_id, agent_version_id, reason, source, mode, status, due_at, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (id) DO UPDATE SET id = callback_tasks.id
     RETURNING *`,
    [
      task.id,
      task.tenantId,
      task.queueId ?? null,
      task.callId ?? null,
      task.phoneNumber,
      task.fromNumber,
      task.agentId ?? null,
      task.agentVersionId ?? null,
      task.reason,
      task.source,
      task.mode,
      task.status,
      task.dueAt ?? null,
      task.workflowId ?? null,
    ],
  );
  return result.rows[0] as CallbackTaskRow;
}

export async function findCallbackTask(
  db: Queryable,
  tenantId: string,
  taskId: string,
): Promise<CallbackTaskRow | undefined> {
  const result = await db.query<CallbackTaskRow>(
    'SELECT * FROM callback_tasks WHERE tenant_id = $1 AND id = $2',
    [tenantId, taskId],
  );
  return result.rows[0];
}

export interface CallbackFilter {
  status?: CallbackStatus;
  queueId?: string;
  callId?: string;
  limit: number;
}

export async function listCallbackTasks(
  db: Queryable,
  tenantId: string,
  filter: CallbackFilter,
): Promise<CallbackTaskRow[]> {
  const result = await db.query<CallbackTaskRow>(
    `SELECT * FROM callback_tasks WHERE tenant_id = $1
       AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR queue_id = $3)
       AND ($4::text IS NULL OR call_id = $4)
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [tenantId, filter.status ?? null, filter.queueId ?? null, filter.callId ?? null, filter.limit],
  );
  return result.rows;
}

/** Moves a task only from one of the given statuses; answers the row when it moved. */
export async function moveCallbackTask(
  db: Queryable,
  tenantId: string,
  taskId: string,
  from: CallbackStatus[],
  change: { status: CallbackStatus; claimedBy?: string | null; disposition?: string | null },
): Promise<CallbackTaskRow | undefined> {
  const result = await db.query<CallbackTaskRow>(
    `UPDATE callback_tasks SET status = $4,
       claimed_by = CASE WHEN $5::boolean THEN $6 ELSE claimed_by END,
       disposition = COALESCE($7, disposition), updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND status = ANY($3::text[])
     RETURNING *`,
    [
      tenantId,
      taskId,
      from,
      change.status,
      change.claimedBy !== undefined,
      change.claimedBy ?? null,
      change.disposition ?? null,
    ],
  );
  return result.rows[0];
}

export async function recordCallbackAttempt(
  db: Queryable,
  attempt: {
    tenantId: string;
    taskId: string;
    attempt: number;
    callId: string | null;
    outcome: string;
  },
): Promise<void> {
  await db.query(
    `WITH attempt AS (
       INSERT INTO callback_attempts (task_id, attempt, tenant_id, call_id, outcome)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (task_id, attempt) DO UPDATE SET outcome = EXCLUDED.outcome
     )
     UPDATE callback_tasks SET attempts = GREATEST(attempts, $2), last_call_id = COALESCE($4, last_call_id),
       updated_at = now()
     WHERE tenant_id = $3 AND id = $1`,
    [attempt.taskId, attempt.attempt, attempt.tenantId, attempt.callId, attempt.outcome],
  );
}

export async function listCallbackAttempts(db: Queryable, tenantId: string, taskId: string) {
  const result = await db.query<{
    attempt: number;
    call_id: string | null;
    outcome: string;
    at: Date;
  }>(
    `SELECT attempt, call_id, outcome, at FROM callback_attempts
     WHERE tenant_id = $1 AND task_id = $2 ORDER BY attempt`,
    [tenantId, taskId],
  );
  return result.rows;
}

export async function findCallbackPolicy(db: Queryable, tenantId: string): Promise<CallbackPolicy> {
  const result = await db.query<{ callback_policy: CallbackPolicy }>(
    'SELECT callback_policy FROM tenants WHERE id = $1',
    [tenantId],
  );
  const policy = result.rows[0]?.callback_policy;
  if (!policy) throw new Error(`tenant ${tenantId} has no callback policy`);
  return policy;
}

export async function updateCallbackPolicy(
  db: Queryable,
  tenantId: string,
  policy: CallbackPolicy,
): Promise<void> {
  await db.query('UPDATE tenants SET callback_policy = $2, updated_at = now() WHERE id = $1', [
    tenantId,
    policy,
  ]);
}

export async function insertQueue(
  db: Queryable,
  queue: Omit<QueueRow, 'created_at'>,
): Promise<QueueRow> {
  const result = await db.query<QueueRow>(
    `INSERT INTO operator_queues (id, tenant_id, name, operator_number, time_zone, business_hours,
       members, capacity)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      queue.id,
      queue.tenant_id,
      queue.name,
      queue.operator_number,
      queue.time_zone,
      queue.business_hours,
      queue.members,
      queue.capacity,
    ],
  );
  return result.rows[0] as QueueRow;
}

export async function findQueue(
  db: Queryable,
  tenantId: string,
  queueId: string,
): Promise<QueueRow | undefined> {
  const result = await db.query<QueueRow>(
    'SELECT * FROM operator_queues WHERE tenant_id = $1 AND id = $2',
    [tenantId, queueId],
  );
  return result.rows[0];
}

export async function listQueues(db: Queryable, tenantId: string): Promise<QueueRow[]> {
  const result = await db.query<QueueRow>(
    'SELECT * FROM operator_queues WHERE tenant_id = $1 ORDER BY name',
    [tenantId],
  );
  return result.rows;
}

/** Open tasks in a queue, for its capacity check. */
export async function countActiveTasks(
  db: Queryable,
  tenantId: string,
  queueId: string,
): Promise<number> {
  const result = await db.query<{ count: string }>(
    `SELECT count(*) FROM callback_tasks WHERE tenant_id = $1 AND queue_id = $2
       AND status IN ('open', 'claimed')`,
    [tenantId, queueId],
  );
  return Number(result.rows[0]?.count ?? 0);
}
