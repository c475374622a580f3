/**
 * A call row as the incoming-call webhook writes it before starting the workflow, for tests that
 * drive a call workflow directly through the Temporal client.
 */
import { randomBytes } from 'node:crypto';
import type { Stack } from '../../scripts/stack.js';
import { callWorkflowId } from '../../workflows/ids.js';
import type { CallStatus, CallWorkflowInput } from '../../workflows/types.js';

export const TEST_CALLER = '+15005550006';

export interface RecordedInboundCall {
  callSid: string;
  callId: string;
  /** The workflow input the webhook would start the call with. */
  input: CallWorkflowInput;
}

export async function recordInboundCall(
  stack: Pick<Stack, 'db' | 'tenant'>,
  status: CallStatus = 'ringing',
): Promise<RecordedInboundCall> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const callId = `call_${callSid}`;
  await stack.db.query(
    `INSERT INTO calls (id, tenant_id, direction, status, from_number, to_number, agent_id, call_sid, workflow_id)
     VALUES ($1, $2, 'inbound', $3, $4, $5, $6, $7, $8)`,
    [
      callId,
      stack.tenant.tenantId,
      status,
      TEST_CALLER,
      stack.tenant.phoneNumber,
      stack.tenant.agentId,
      callSid,
      callWorkflowId(callId),
    ],
  );
  const input: CallWorkflowInput = {
    callId,
    tenantId: stack.tenant.tenantId,
    direction: 'inbound',
    from: TEST_CALLER,
    to: stack.tenant.phoneNumber,
    agentId: stack.tenant.agentId,
    callSid,
  };
  return { callSid, callId, input };
}
