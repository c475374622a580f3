/** SQL for calls and everything recorded about them. Every read is scoped by tenant. */
import type { Database, Queryable } from './database.js';

export interface CallRow {
  id: string;
  tenant_id: string;
  direction: 'inbound' | 'outbound';
  status: string;
  from_number: string;
  to_number: string;
  agent_id: string | null;
  agent_version_id: string | null;
  version_reason: string | null;
  call_sid: string | null;
  workflow_id: string;
  metadata: Record<string, unknown>;
  outcome: string | null;
  end_reason: string | null;
  escalated: boolean;
  created_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  duration_sec: number | null;
}

export interface NewCall {
  id: string;
  tenantId: string;
  direction: 'inbound' | 'outbound';
  status: string;
  from: string;
  to: string;
  agentId?: string;
  agentVersionId?: string;
  callSid?: string;
  workflowId: string;
  metadata?: Record<string, unknown>;
}

export async function insertCall(db: Queryable, call: NewCall): Promise<CallRow> {
  const result = await db.query<CallRow>(
    `INSERT INTO calls (id, tenant_id, direction, status, from_number, to_number, agent_id,
       agent_version_id, call_sid, workflow_id, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (id) DO UPDATE SET id = calls.id
     RETURNING *`,
    [
      call.id,
      call.tenantId,
      call.direction,
      call.status,
      call.from,
      call.to,
      call.agentId ?? null,
      call.agentVersionId ?? null,
      call.callSid ?? null,
      call.workflowId,
      call.metadata ?? {},
    ],
  );
  return result.rows[0] as CallRow;
}

export async function findCall(
  db: Queryable,
  tenantId: string,
  callId: string,
): Promise<CallRow | undefined> {
  const result = await db.query<CallRow>('SELECT * FROM calls WHERE id = $1 AND tenant_id = $2', [
    callId,
    tenantId,
  ]);
  return result.rows[0];
}

export async function findCallById(db: Database, callId: string): Promise<CallRow | undefined> {
  const result = await db.query<CallRow>('SELECT * FROM calls WHERE id = $1', [callId]);
  return result.rows[0];
}

export interface CallProgress {
  callId: string;
  tenantId: string;
  status?: string;
  callSid?: string;
  agentVersionId?: string;
  versionReason?: string;
  answeredBy?: string;
  /** A handoff started: the call stays escalated whatever the handoff's outcome. */
  escalated?: boolean;
  /**
   * `key` dedupes an event that may happen more than once in a call; the type otherwise.
   * `occurredAt` (ISO 8601) is when the workflow learned it; the time of the insert otherwise.
   */
  event?: { type: string; detail: Record<string, unknown>; key?: string; occurredAt?: string };
}

/** What a write to a call's record did: the call's direction, and whether its event was new. */
export interface CallWrite {
  direction: 'inbound' | 'outbound' | undefined;
  /** False when a retried activity found its event already recorded. */
  eventRecorded: boolean;
}

export async function recordCallProgress(db: Database, progress: CallProgress): Promise<CallWrite> {
  return db.transaction(async (client) => {
    const updated = await client.query<{ direction: 'inbound' | 'outbound' }>(
      `UPDATE calls SET
         status = COALESCE($3, status),
         call_sid = COALESCE(call_sid, $4),
         agent_version_id = COALESCE($5, agent_version_id),
         agent_id = COALESCE(agent_id, (SELECT agent_id FROM agent_versions WHERE id = $5)),
         version_reason = COALESCE($6, version_reason),
         answered_at = CASE WHEN $3 = 'in-progress'
           THEN COALESCE(answered_at, $8::timestamptz, now()) ELSE answered_at END,
         outcome = CASE WHEN $7::text LIKE 'machine%' THEN 'voicemail' ELSE outcome END,
         escalated = escalated OR $9
       WHERE id = $1 AND tenant_id = $2
       RETURNING direction`,
      [
        progress.callId,
        progress.tenantId,
        progress.status ?? null,
        progress.callSid ?? null,
        progress.agentVersionId ?? null,
        progress.versionReason ?? null,
        progress.answeredBy ?? null,
        progress.event?.occurredAt ?? null,
        progress.escalated ?? false,
      ],
    );
    const direction = updated.rows[0]?.direction;
    if (!progress.event) return { direction, eventRecorded: false };
    const { type, detail, key, occurredAt } = progress.event;
    const eventRecorded = await insertCallEvent(
      client,
      progress.callId,
      progress.tenantId,
      type,
      detail,
      { key, occurredAt },
    );
    return { direction, eventRecorded };
  });
}

export async function insertCallEvent(
  db: Queryable,
  callId: string,
  tenantId: string,
  type: string,
  detail: Record<string, unknown>,
  options: { key?: string; occurredAt?: string } = {},
): Promise<boolean> {
  // The dedupe key (the type by default): an activity retried after a lost reply records once.
  const inserted = await db.query(
    `INSERT INTO call_events (call_id, tenant_id, type, detail, dedupe_key, occurred_at)
     VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()))
     ON CONFLICT (call_id, dedupe_key) DO NOTHING`,
    [callId, tenantId, type, detail, options.key ?? type, options.occurredAt ?? null],
  );
  return inserted.rowCount === 1;
}

export interface CallFinal {
  callId: string;
  tenantId: string;
  status: string;
  outcome: string;
  durationSec: number | null;
  endReason: string;
  /** ISO 8601: when the call reached its final status; the time of the record otherwise. */
  endedAt?: string;
}

export async function finalizeCall(db: Database, final: CallFinal): Promise<CallWrite> {
  return db.transaction(async (client) => {
    const updated = await client.query<{ ended_at: Date; direction: 'inbound' | 'outbound' }>(
      `UPDATE calls SET status = $3, duration_sec = $4, end_reason = $5, outcome = $6,
         ended_at = COALESCE(ended_at, $7::timestamptz, now())
       WHERE id = $1 AND tenant_id = $2
       RETURNING ended_at, direction`,
      [
        final.callId,
        final.tenantId,
        final.status,
        final.durationSec,
        final.endReason,
        final.outcome,
        final.endedAt ?? null,
      ],
    );
    const eventRecorded = await insertCallEvent(
      client,
      final.callId,
      final.tenantId,
      'ended',
      { status: final.status, outcome: final.outcome, reason: final.endReason },
      { occurredAt: updated.rows[0]?.ended_at.toISOString() ?? final.endedAt },
    );
    return { direction: updated.rows[0]?.direction, eventRecorded };
  });
}

export interface TurnInput {
  role: 'agent' | 'caller';
  text: string;
  interrupted: boolean;
  startedAt: string;
  endedAt?: string;
}

export async function insertTranscriptTurns(
  db: Database,
  callId: string,
  tenantId: string,
  firstSequence: number,
  turns: TurnInput[],
): Promise<void> {
  if (turns.length === 0) return;
  await db.query(
    `INSERT INTO transcript_turns (call_id, tenant_id, sequence, role, text, interrupted, started_at, ended_at)
     SELECT $1, $2, $3 + t.ordinality - 1, t.turn->>'role', t.turn->>'text', (t.turn->>'interrupted')::boolean,
       (t.turn->>'started_at')::timestamptz, (t.turn->>'ended_at')::timestamptz
     FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS t(turn, ordinality)
     ON CONFLICT (call_id, sequence) DO NOTHING`,
    [
      callId,
      tenantId,
      firstSequence,
      JSON.stringify(
        turns.map((turn) => ({
          role: turn.role,
          text: turn.text,
          interrupted: turn.interrupted,
          started_at: turn.startedAt,
          ended_at: turn.endedAt ?? null,
        })),
      ),
    ],
  );
}

export interface FunctionCallInput {
  callId: string;
  tenantId: string;
  toolCallId: string;
  name: string;
  arguments: unknown;
  status: 'succeeded' | 'failed' | 'refused';
  output: unknown;
  error?: string;
  startedAt: string;
  completedAt: string;
}

export async function insertFunctionCall(db: Database, call: FunctionCallInput): Promise<void> {
  await db.transaction(async (client) => {
    await client.query(
      `INSERT INTO function_calls (call_id, tenant_id, tool_call_id, name, arguments, status, output,
         error, started_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (call_id, tool_call_id) DO NOTHING`,
      [
        call.callId,
        call.tenantId,
        call.toolCallId,
        call.name,
        JSON.stringify(call.arguments),
        call.status,
        JSON.stringify(call.output ?? null),
        call.error ?? null,
        call.startedAt,
        call.completedAt,
      ],
    );
    // On the timeline at the moment the model called it.
    await insertCallEvent(
      client,
      call.callId,
      call.tenantId,
      'tool',
      { name: call.name, status: call.status, toolCallId: call.toolCallId },
      { key: `tool:${call.toolCallId}`, occurredAt: call.startedAt },
    );
  });
}

export interface TranscriptRow {
  sequence: number;
  role: 'agent' | 'caller';
  text: string;
  interrupted: boolean;
  started_at: Date;
  ended_at: Date | null;
}

export async function listTranscript(
  db: Queryable,
  tenantId: string,
  callId: string,
): Promise<TranscriptRow[]> {
  const result = await db.query<TranscriptRow>(
    `SELECT sequence, role, text, interrupted, started_at, ended_at FROM transcript_turns
     WHERE call_id = $1 AND tenant_id = $2 ORDER BY sequence`,
    [callId, tenantId],
  );
  return result.rows;
}

export interface FunctionCallRow {
  tool_call_id: string;
  name: string;
  arguments: unknown;
  status: string;
  output: unknown;
  error: string | null;
  started_at: Date;
  completed_at: Date;
}

export async function listFunctionCalls(
  db: Queryable,
  tenantId: string,
  callId: string,
): Promise<FunctionCallRow[]> {
  const result = await db.query<FunctionCallRow>(
    `SELECT tool_call_id, name, arguments, status, output, error, started_at, completed_at
     FROM function_calls WHERE call_id = $1 AND tenant_id = $2 ORDER BY started_at, id`,
    [callId, tenantId],
  );
  return result.rows;
}

export interface CallEventRow {
  type: string;
  detail: Record<string, unknown>;
  occurred_at: Date;
}

export async function listCallEvents(
  db: Queryable,
  tenantId: string,
  callId: string,
): Promise<CallEventRow[]> {
  const result = await db.query<CallEventRow>(
    `SELECT type, detail, occurred_at FROM call_events
     WHERE call_id = $1 AND tenant_id = $2 ORDER BY occurred_at, id`,
    [callId, tenantId],
  );
  return result.rows;
}

export interface EvaluationRow {
  id: string;
  passed: boolean;
  overall_score: string;
  checks: unknown;
  judgment: unknown;
  model: string;
  created_at: Date;
}

export async function findEvaluation(
  db: Queryable,
  tenantId: string,
  callId: string,
): Promise<EvaluationRow | undefined> {
  const result = await db.query<EvaluationRow>(
    `SELECT id, passed, overall_score, checks, judgment, model, created_at FROM evaluations
     WHERE call_id = $1 AND tenant_id = $2`,
    [callId, tenantId],
  );
  return result.rows[0];
}

export interface EvaluationInput {
  id: string;
  callId: string;
  tenantId: string;
  passed: boolean;
  overallScore: number;
  checks: unknown;
  judgment: unknown;
  model: string;
}

export async function upsertEvaluation(db: Database, evaluation: EvaluationInput): Promise<void> {
  await db.transaction(async (client) => {
    await client.query(
      `INSERT INTO evaluations (id, call_id, tenant_id, passed, overall_score, checks, judgment, model)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (call_id) DO UPDATE SET passed = EXCLUDED.passed,
         overall_score = EXCLUDED.overall_score, checks = EXCLUDED.checks,
         judgment = EXCLUDED.judgment, model = EXCLUDED.model`,
      [
        evaluation.id,
        evaluation.callId,
        evaluation.tenantId,
        evaluation.passed,
        evaluation.overallScore.toFixed(3),
        JSON.stringify(evaluation.checks),
        JSON.stringify(evaluation.judgment),
        evaluation.model,
      ],
    );
    await insertCallEvent(client, evaluation.callId, evaluation.tenantId, 'evaluated', {
      passed: evaluation.passed,
    });
  });
}

export async function findCallByCallSid(
  db: Database,
  callSid: string,
): Promise<CallRow | undefined> {
  const result = await db.query<CallRow>('SELECT * FROM calls WHERE call_sid = $1', [callSid]);
  return result.rows[0];
}
