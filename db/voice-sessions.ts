/**
 * SQL for voice sessions: one row per media stream a bridge instance accepted,
 * written by that instance, read per tenant. A session is active while it has
 * not ended and its instance is live (see bridge-instances.ts).
 */
import type { PagePosition } from '../lib/pagination.js';
import { INSTANCE_IS_LIVE } from './bridge-instances.js';
import type { Queryable } from './database.js';
import { keysetSql, pagePositionColumn } from './keyset.js';

/** What a live session is doing; `ended` once its stream is over. */
export const VOICE_SESSION_STATES = [
  'connecting',
  'greeting',
  'listening',
  'agent_speaking',
  'in_tool',
  'transferring',
  'ending',
  'ended',
] as const;
export type VoiceSessionState = (typeof VOICE_SESSION_STATES)[number];

/** A session as its bridge knows it; every write carries all of it, so the latest write wins. */
export interface VoiceSessionSnapshot {
  id: string;
  tenantId: string;
  callId: string;
  streamSid: string;
  bridgeInstanceId: string;
  state: VoiceSessionState;
  stateChangedAt: Date;
  startedAt: Date;
  endedAt?: Date;
  endReason?: string;
}

export interface VoiceSessionRow {
  id: string;
  tenant_id: string;
  call_id: string;
  stream_sid: string;
  bridge_instance_id: string;
  state: VoiceSessionState;
  state_changed_at: Date;
  started_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  /** Whether the instance carrying the session is live now. */
  instance_live: boolean;
  /** started_at to the microsecond, for keyset paging (db/keyset.ts). */
  page_at: string;
}

export interface VoiceSessionFilter {
  callId?: string;
  state?: VoiceSessionState;
  startedAfter?: Date;
  startedBefore?: Date;
  /** Only sessions not ended whose instance is live. */
  activeOnly?: boolean;
  after?: PagePosition;
  limit: number;
}

/**
 * Writes the session as the bridge knows it now. A row that has ended, or that holds a
 * later state, is left alone, so a delayed write can never move a session backwards.
 */
export async function saveVoiceSession(
  db: Queryable,
  session: VoiceSessionSnapshot,
): Promise<void> {
  await db.query(
    `INSERT INTO voice_sessions (id, tenant_id, call_id, stream_sid, bridge_instance_id, state,
       state_changed_at, started_at, ended_at, end_reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state,
       state_changed_at = EXCLUDED.state_changed_at, ended_at = EXCLUDED.ended_at,
       end_reason = EXCLUDED.end_reason, updated_at = now()
     WHERE voice_sessions.ended_at IS NULL
       AND voice_sessions.state_changed_at <= EXCLUDED.state_changed_at`,
    [
      session.id,
      session.tenantId,
      session.callId,
      session.streamSid,
      session.bridgeInstanceId,
      session.state,
      session.stateChangedAt,
      session.startedAt,
      session.endedAt ?? null,
      session.endReason ?? null,
    ],
  );
}

const PAGE_COLUMNS = { time: 'started_at', table: 'vs' };

function selectSessions(positionColumn: string): string {
  return `SELECT vs.id, vs.tenant_id, vs.call_id, vs.stream_sid, vs.bridge_instance_id,
    vs.state, vs.state_changed_at, vs.started_at, vs.ended_at, vs.end_reason,
    ${INSTANCE_IS_LIVE} AS instance_live, ${positionColumn}
  FROM voice_sessions vs JOIN bridge_instances bi ON bi.id = vs.bridge_instance_id`;
}

/** One tenant's sessions, newest first; `limit + 1` rows are read so the caller knows if more follow. */
export async function listVoiceSessions(
  db: Queryable,
  tenantId: string,
  filter: VoiceSessionFilter,
): Promise<VoiceSessionRow[]> {
  const params: unknown[] = [
    tenantId,
    filter.callId ?? null,
    filter.state ?? null,
    filter.startedAfter ?? null,
    filter.startedBefore ?? null,
    filter.activeOnly ?? false,
  ];
  const page = keysetSql({ after: filter.after, limit: filter.limit }, params, PAGE_COLUMNS);
  const result = await db.query<VoiceSessionRow>(
    `${selectSessions(page.positionColumn)}
     WHERE vs.tenant_id = $1
       AND ($2::text IS NULL OR vs.call_id = $2)
       AND ($3::text IS NULL OR vs.state = $3)
       AND ($4::timestamptz IS NULL OR vs.started_at >= $4)
       AND ($5::timestamptz IS NULL OR vs.started_at < $5)
       AND (NOT $6::boolean OR (vs.ended_at IS NULL AND ${INSTANCE_IS_LIVE}))
       ${page.condition ? `AND ${page.condition}` : ''}
     ${page.orderAndLimit}`,
    params,
  );
  return result.rows;
}

export async function findVoiceSession(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<VoiceSessionRow | undefined> {
  const result = await db.query<VoiceSessionRow>(
    `${selectSessions(pagePositionColumn(PAGE_COLUMNS))} WHERE vs.tenant_id = $1 AND vs.id = $2`,
    [tenantId, id],
  );
  return result.rows[0];
}
