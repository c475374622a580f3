/**
 * Voice sessions (`calls:read`): every media stream of the tenant's calls,
 * and the live ones across all bridge instances, read from PostgreSQL so the
 * answer stays right when an instance dies.
 */
import { findVoiceSession, listVoiceSessions } from '../../db/voice-sessions.js';
import { NotFoundError } from '../../lib/errors.js';
import { tenantOperation, type TenantOperation } from '../operator/operation.js';
import { positionOf } from '../../db/keyset.js';
import { decodeCursor, pageOf } from '../../lib/pagination.js';
import {
  activeSessionsQuery,
  presentVoiceSession,
  voiceSessionIdParam,
  voiceSessionPage,
  voiceSessionsQuery,
  voiceSessionView,
} from './schemas.js';

const tag = 'Voice sessions';
const errors = [400, 401, 403, 404, 429, 503] as const;

// `/voice-sessions/active` comes before `/voice-sessions/:id`, which would otherwise take it.
export const voiceSessionOperations: TenantOperation[] = [
  tenantOperation({
    operationId: 'listVoiceSessions',
    method: 'get',
    path: '/voice-sessions',
    tag,
    scope: 'calls:read',
    summary: 'Media sessions, newest first',
    description:
      'Needs the `calls:read` scope. One session per media stream; filter by call, state and ' +
      'start time. Cursor-paged: pass `next_cursor` back as `cursor`.',
    query: voiceSessionsQuery,
    success: { status: 200, description: 'A page of sessions.', schema: voiceSessionPage },
    errors: [...errors],
    handle: async ({ deps, tenantId, query }) => {
      const rows = await listVoiceSessions(deps.db, tenantId, {
        callId: query.call_id,
        state: query.state,
        startedAfter: query.started_after ? new Date(query.started_after) : undefined,
        startedBefore: query.started_before ? new Date(query.started_before) : undefined,
        after: query.cursor ? decodeCursor(query.cursor) : undefined,
        limit: query.limit,
      });
      return pageOf(rows, query.limit, presentVoiceSession, positionOf);
    },
  }),
  tenantOperation({
    operationId: 'listActiveVoiceSessions',
    method: 'get',
    path: '/voice-sessions/active',
    tag,
    scope: 'calls:read',
    summary: 'Live calls across every bridge instance, with what each is doing now',
    description:
      'Needs the `calls:read` scope. Sessions not ended whose bridge instance is live (it ' +
      'heartbeated within three of its heartbeat intervals); a session on an instance that died ' +
      'leaves this list once the instance is stale. Cursor-paged like the session list.',
    query: activeSessionsQuery,
    success: { status: 200, description: 'A page of live sessions.', schema: voiceSessionPage },
    errors: [...errors],
    handle: async ({ deps, tenantId, query }) => {
      const rows = await listVoiceSessions(deps.db, tenantId, {
        activeOnly: true,
        after: query.cursor ? decodeCursor(query.cursor) : undefined,
        limit: query.limit,
      });
      return pageOf(rows, query.limit, presentVoiceSession, positionOf);
    },
  }),
  tenantOperation({
    operationId: 'getVoiceSession',
    method: 'get',
    path: '/voice-sessions/:id',
    tag,
    scope: 'calls:read',
    summary: 'One media session',
    description: 'Needs the `calls:read` scope.',
    params: voiceSessionIdParam,
    success: { status: 200, description: 'The session.', schema: voiceSessionView },
    errors: [...errors],
    handle: async ({ deps, tenantId, params }) => {
      const row = await findVoiceSession(deps.db, tenantId, params.id);
      if (!row) throw new NotFoundError('voice session');
      return presentVoiceSession(row);
    },
  }),
];
