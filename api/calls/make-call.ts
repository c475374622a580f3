/**
 * POST /api/v1/make-call: validate, admit (a slot reserved under the tenant's
 * lock), then record the call and start its workflow, all or nothing. An
 * Idempotency-Key replays the same call for the same body and is refused (409)
 * for another body.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { insertCall, type CallRow } from '../../db/calls.js';
import type { Database, Queryable } from '../../db/database.js';
import { ConflictError, RateLimitError } from '../../lib/errors.js';
import { idempotentCallId, newId } from '../../lib/ids.js';
import type { Logger } from '../../lib/logger.js';
import { callWorkflowId } from '../../workflows/ids.js';
import { tenantOf } from '../auth.js';
import { abandonReservation, reserveCall, takeReservation } from '../call-admission.js';
import type { CallGateway } from '../call-gateway.js';
import { parseHeader, parseInput } from '../http.js';
import { idempotencyKeyHeader, makeCallBody, type MakeCallBody } from './schemas.js';
import { presentCallAccepted } from './present.js';
import { resolveCallRouting } from './resolve-agent.js';

export interface MakeCallDependencies {
  db: Database;
  calls: CallGateway;
  temporalUiUrl: string;
  namespace: string;
  /** Gets one line per accepted call; silent when absent. */
  logger?: Logger;
}

/** JSON with object keys sorted at every depth: the same request hashes the same however it is written. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function hashBody(body: MakeCallBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

async function findIdempotentCall(
  db: Queryable,
  tenantId: string,
  key: string,
  requestHash: string,
): Promise<CallRow | undefined> {
  const result = await db.query<CallRow & { request_hash: string }>(
    `SELECT c.*, i.request_hash FROM idempotency_keys i JOIN calls c ON c.id = i.call_id
     WHERE i.tenant_id = $1 AND i.key = $2`,
    [tenantId, key],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  if (row.request_hash !== requestHash) {
    throw new ConflictError('this Idempotency-Key was used with a different request body');
  }
  return row;
}

export function makeCallHandler(deps: MakeCallDependencies) {
  return async (request: Request, response: Response): Promise<void> => {
    const { tenantId } = tenantOf(request);
    const body = parseInput(makeCallBody, request.body);
    const rawKey = request.header('idempotency-key');
    const idempotencyKey =
      rawKey === undefined
        ? undefined
        : parseHeader(idempotencyKeyHeader, 'Idempotency-Key', rawKey);
    const requestHash = hashBody(body);

    if (idempotencyKey) {
      const existing = await findIdempotentCall(deps.db, tenantId, idempotencyKey, requestHash);
      if (existing) {
        response.status(202).json(presentCallAccepted(existing, deps));
        return;
      }
    }

    const { agentId, agentVersionId, phoneRouteId } = await resolveCallRouting(
      deps.db,
      tenantId,
      body,
    );

    // With a key, the call's id (and so its workflow's) follows from the key and the request.
    const callId = idempotencyKey
      ? idempotentCallId(tenantId, idempotencyKey, requestHash)
      : newId('call');
    // Counted under a per-tenant lock, so concurrent requests never both take the last slot; the
    // lock is released before the workflow starts, the reserved slot counting until then.
    const admission = await reserveCall(deps.db, tenantId, callId);
    if (!admission.admitted) throw new RateLimitError(admission.message, admission.retryAfterSec);
    let call: CallRow;
    try {
      call = await deps.db.transaction(async (client) => {
        await takeReservation(client, callId);
        const inserted = await insertCall(client, {
          id: callId,
          tenantId,
          direction: 'outbound',
          status: 'queued',
          from: body.from,
          to: body.to,
          agentId,
          workflowId: callWorkflowId(callId),
          metadata: body.metadata,
        });
        if (idempotencyKey) {
          await client.query(
            'INSERT INTO idempotency_keys (tenant_id, key, request_hash, call_id) VALUES ($1, $2, $3, $4)',
            [tenantId, idempotencyKey, requestHash, callId],
          );
        }
        // Started inside the transaction: if Temporal is down nothing is committed (503).
        await deps.calls.startCall({
          callId,
          tenantId,
          direction: 'outbound',
          from: body.from,
          to: body.to,
          agentId,
          agentVersionId,
          phoneRouteId,
          greeting: body.greeting,
        });
        return inserted;
      });
    } catch (error) {
      await abandonReservation(deps.db, callId);
      // A concurrent request with the same key won the race: answer with its call.
      if (
        idempotencyKey &&
        (error as { cause?: { code?: string }; code?: string }).code === '23505'
      ) {
        const existing = await findIdempotentCall(deps.db, tenantId, idempotencyKey, requestHash);
        if (existing) {
          response.status(202).json(presentCallAccepted(existing, deps));
          return;
        }
      }
      throw error;
    }

    deps.logger
      ?.child({ callId, workflowId: call.workflow_id, requestId: request.requestId })
      .info({ tenantId, direction: 'outbound' }, 'outbound call accepted');
    response.status(202).json(presentCallAccepted(call, deps));
  };
}
