/**
 * An inbound call after its signature checked out: the called number's route
 * gives the tenant and agent, the tenant's limits admit it or not (a slot
 * reserved under the tenant's lock), then the call is recorded and its
 * workflow started, in one transaction (Temporal down: nothing is kept). A
 * webhook Twilio retries finds its call and joins it.
 */
import { insertCall, insertCallEvent } from '../../db/calls.js';
import type { Database, Queryable } from '../../db/database.js';
import { findPhoneRouteByNumber } from '../../db/tenants.js';
import { callWorkflowId, inboundCallId } from '../../workflows/ids.js';
import {
  abandonReservation,
  reserveCall,
  takeReservation,
  type CallAdmission,
} from '../call-admission.js';
import type { CallGateway } from '../call-gateway.js';

export interface InboundCall {
  callSid: string;
  accountSid: string;
  /** Set when a tenant's subaccount signed the webhook. */
  accountTenantId?: string;
  from: string;
  to: string;
}

export type InboundRouting =
  | { outcome: 'connected'; callId: string }
  | { outcome: 'unrouted' }
  | {
      outcome: 'refused';
      tenantId: string;
      limit: Extract<CallAdmission, { admitted: false }>['limit'];
    };

export async function routeInboundCall(
  deps: { db: Database; calls: CallGateway },
  call: InboundCall,
): Promise<InboundRouting> {
  const phoneRoute = await findPhoneRouteByNumber(deps.db, call.to);
  if (!phoneRoute) return { outcome: 'unrouted' };
  // A tenant's subaccount may only reach that tenant's numbers.
  if (call.accountTenantId && call.accountTenantId !== phoneRoute.tenant_id)
    return { outcome: 'unrouted' };

  const callId = inboundCallId(call.callSid);
  const isKnown = async (db: Queryable) =>
    ((await db.query('SELECT 1 FROM calls WHERE id = $1', [callId])).rowCount ?? 0) > 0;
  // A retried webhook joins its call without being counted again.
  if (!(await isKnown(deps.db))) {
    const admission = await reserveCall(deps.db, phoneRoute.tenant_id, callId);
    if (!admission.admitted)
      return { outcome: 'refused', tenantId: phoneRoute.tenant_id, limit: admission.limit };
  }
  try {
    return await deps.db.transaction(async (client): Promise<InboundRouting> => {
      // Two deliveries of one webhook at once record the call (and its first event) once.
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('call:' || $1, 0))`, [
        callId,
      ]);
      await takeReservation(client, callId);
      if (!(await isKnown(client))) {
        await insertCall(client, {
          id: callId,
          tenantId: phoneRoute.tenant_id,
          direction: 'inbound',
          status: 'ringing',
          from: call.from,
          to: call.to,
          agentId: phoneRoute.agent_id,
          callSid: call.callSid,
          workflowId: callWorkflowId(callId),
        });
        // Twilio's webhook is how we learn our number rings: the first entry of the timeline.
        await insertCallEvent(client, callId, phoneRoute.tenant_id, 'ringing', {});
      }
      await deps.calls.startCall({
        callId,
        tenantId: phoneRoute.tenant_id,
        direction: 'inbound',
        from: call.from,
        to: call.to,
        agentId: phoneRoute.agent_id,
        phoneRouteId: phoneRoute.id,
        callSid: call.callSid,
        accountSid: call.accountSid,
      });
      return { outcome: 'connected', callId };
    });
  } catch (error) {
    await abandonReservation(deps.db, callId);
    throw error;
  }
}
