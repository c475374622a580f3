/**
 * A call workflow in its conversation phase without the phone and the bridge,
 * for the long-call tests and the history benchmark: the call row the
 * incoming-call webhook writes, the workflow, Twilio's in-progress status and
 * an attached stream. They then talk to it as the bridge does
 * (media/workflow-deliveries.ts over the real Temporal client).
 */
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Stack } from './stack.js';
import type { CallHistoryLimits } from '../workflows/continuation-types.js';
import { callWorkflowId } from '../workflows/ids.js';
import { attachMediaStreamUpdate, twilioStatusSignal } from '../workflows/messages.js';
import type { CallWorkflowInput, TranscriptTurn } from '../workflows/types.js';

export interface LiveCall {
  callId: string;
  callSid: string;
  streamSid: string;
  workflowId: string;
  firstRunId: string;
  handle: WorkflowHandle;
}

export async function startLiveCall(
  stack: Stack,
  client: Client,
  limits?: CallHistoryLimits,
): Promise<LiveCall> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const callId = `call_${callSid}`;
  const workflowId = callWorkflowId(callId);
  await stack.db.query(
    `INSERT INTO calls (id, tenant_id, direction, status, from_number, to_number, agent_id, call_sid, workflow_id)
     VALUES ($1, $2, 'inbound', 'ringing', '+15005550006', $3, $4, $5, $6)`,
    [
      callId,
      stack.tenant.tenantId,
      stack.tenant.phoneNumber,
      stack.tenant.agentId,
      callSid,
      workflowId,
    ],
  );
  const input: CallWorkflowInput = {
    callId,
    tenantId: stack.tenant.tenantId,
    direction: 'inbound',
    from: '+15005550006',
    to: stack.tenant.phoneNumber,
    agentId: stack.tenant.agentId,
    callSid,
    limits,
  };
  const handle = await client.workflow.start('callWorkflow', {
    taskQueue: stack.config.temporal.taskQueue,
    workflowId,
    args: [input],
  });
  await handle.signal(twilioStatusSignal, { callSid, status: 'in-progress' });
  const streamSid = `MZ${randomBytes(16).toString('hex')}`;
  await handle.executeUpdate(attachMediaStreamUpdate, { args: [{ streamSid, callSid }] });
  return { callId, callSid, streamSid, workflowId, firstRunId: handle.firstExecutionRunId, handle };
}

export function turnNumber(position: number): TranscriptTurn {
  return {
    role: position % 2 === 1 ? 'caller' : 'agent',
    text: `turn ${position}`,
    interrupted: false,
    startedAt: new Date().toISOString(),
  };
}

export async function storedTurns(
  stack: Stack,
  callId: string,
): Promise<Array<{ sequence: number; text: string }>> {
  const rows = await stack.db.query<{ sequence: number; text: string }>(
    'SELECT sequence, text FROM transcript_turns WHERE call_id = $1 ORDER BY sequence',
    [callId],
  );
  return rows.rows;
}
