/** Tenant call routes: start calls, read their records, hang them up. */
import { Router } from 'express';
import { listCallLogs } from '../../db/call-logs.js';
import {
  findCall,
  findEvaluation,
  listCallEvents,
  listFunctionCalls,
  listTranscript,
} from '../../db/calls.js';
import { positionOf } from '../../db/keyset.js';
import { BusinessRuleError, NotFoundError } from '../../lib/errors.js';
import { decodeCursor, pageOf } from '../../lib/pagination.js';
import { requireTenantKey, tenantOf } from '../auth.js';
import { parseInput, parseQuery, route } from '../http.js';
import { makeCallHandler, type MakeCallDependencies } from './make-call.js';
import {
  presentCall,
  presentEvaluation,
  presentEvent,
  presentFunctionCall,
  presentTurn,
} from './present.js';
import { callIdParam, callLogQuery, hangUpBody } from './schemas.js';

export function callsRouter(deps: MakeCallDependencies): Router {
  const router = Router();
  const canWrite = requireTenantKey(deps.db, 'calls:write');
  const canRead = requireTenantKey(deps.db, 'calls:read');

  async function loadCall(request: Parameters<typeof tenantOf>[0] & { params: unknown }) {
    const { tenantId } = tenantOf(request);
    const { id } = parseInput(callIdParam, request.params);
    const call = await findCall(deps.db, tenantId, id);
    if (!call) throw new NotFoundError('call');
    return { tenantId, call };
  }

  router.post('/make-call', canWrite, route(makeCallHandler(deps)));

  router.get(
    '/call-logs',
    canRead,
    route(async (request, response) => {
      const { tenantId } = tenantOf(request);
      const query = parseQuery(callLogQuery, request.query);
      const filter = {
        status: query.status,
        direction: query.direction,
        from: query.from,
        to: query.to,
        agentId: query.agent_id,
        agentVersionId: query.agent_version_id,
        escalated: query.escalated === undefined ? undefined : query.escalated === 'true',
        outcome: query.outcome,
        createdAfter: query.created_after,
        createdBefore: query.created_before,
      };
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await listCallLogs(deps.db, tenantId, filter, { after, limit: query.limit });
      response.json(pageOf(rows, query.limit, (row) => presentCall(row, deps), positionOf));
    }),
  );

  router.get(
    '/call-logs/:id',
    canRead,
    route(async (request, response) => {
      const { tenantId } = tenantOf(request);
      const { id } = parseInput(callIdParam, request.params);
      // One snapshot: an evaluation stored between two reads never shows without its event.
      const detail = await deps.db.snapshot(async (db) => {
        const call = await findCall(db, tenantId, id);
        if (!call) throw new NotFoundError('call');
        return {
          call,
          turns: await listTranscript(db, tenantId, id),
          functionCalls: await listFunctionCalls(db, tenantId, id),
          evaluation: await findEvaluation(db, tenantId, id),
          events: await listCallEvents(db, tenantId, id),
        };
      });
      const { call, turns, functionCalls, evaluation, events } = detail;
      response.json({
        ...presentCall(call, deps),
        transcript: turns.map(presentTurn),
        function_calls: functionCalls.map(presentFunctionCall),
        evaluation: presentEvaluation(evaluation),
        events: events.map(presentEvent),
      });
    }),
  );

  router.get(
    '/call-logs/:id/transcript',
    canRead,
    route(async (request, response) => {
      const { tenantId, call } = await loadCall(request);
      response.json({ data: (await listTranscript(deps.db, tenantId, call.id)).map(presentTurn) });
    }),
  );

  router.get(
    '/call-logs/:id/function-calls',
    canRead,
    route(async (request, response) => {
      const { tenantId, call } = await loadCall(request);
      response.json({
        data: (await listFunctionCalls(deps.db, tenantId, call.id)).map(presentFunctionCall),
      });
    }),
  );

  router.get(
    '/call-logs/:id/evaluation',
    canRead,
    route(async (request, response) => {
      const { tenantId, call } = await loadCall(request);
      const evaluation = await findEvaluation(deps.db, tenantId, call.id);
      if (!evaluation) throw new NotFoundError('evaluation');
      response.json(presentEvaluation(evaluation));
    }),
  );

  router.get(
    '/call-logs/:id/events',
    canRead,
    route(async (request, response) => {
      const { tenantId, call } = await loadCall(request);
      response.json({ data: (await listCallEvents(deps.db, tenantId, call.id)).map(presentEvent) });
    }),
  );

  router.post(
    '/calls/:id/hangup',
    canWrite,
    route(async (request, response) => {
      const { call } = await loadCall(request);
      const body = parseInput(hangUpBody, request.body ?? {});
      const accepted = await deps.calls.requestHangUp(call.id, body.reason ?? 'tenant_request');
      if (!accepted) throw new BusinessRuleError('call_not_live', 'the call has already ended');
      deps.logger
        ?.child({ callId: call.id, callSid: call.call_sid, workflowId: call.workflow_id })
        .info('hang-up requested through the api');
      response.status(202).json({ call_id: call.id, status: 'ending' });
    }),
  );

  return router;
}
