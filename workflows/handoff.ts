/**
 * The handoff phase of a call: find the operator, move the live call (cold:
 * a `<Dial>` to the operator; warm: the caller on hold while a second leg
 * whispers a summary to the operator, then both meet in a room), record the
 * outcome, and when nobody takes the call, tell the caller and leave a
 * callback task in the queue.
 */
import {
  ParentClosePolicy,
  condition,
  patched,
  proxyActivities,
  sleep,
  startChild,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import { withSummaries } from './activity-summaries.js';
import { callbackWorkflowId } from './ids.js';
import {
  HANDOFF_FAILED_MESSAGE,
  type HandoffDialEvent,
  type HandoffOutcome,
  type HandoffRequest,
} from './handoff-types.js';
import { ESCALATED, TENANT_ID, WORKFLOW_KIND } from './search-attributes.js';
import { emitTenantEvent } from './tenant-events.js';
import type { CallStatus } from './types.js';
import { RECORD_WRITE_OPTIONS } from './record-writes.js';

const telephony = withSummaries(
  proxyActivities<CallActivities>({
    startToCloseTimeout: '15 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 5 },
  }),
);

const store = withSummaries(proxyActivities<CallActivities>(RECORD_WRITE_OPTIONS));

/** How long an operator's phone rings before the handoff counts as unanswered. */
export const OPERATOR_RING_TIMEOUT_SEC = 20;
const OPERATOR_POLL_MS = 1_000;
const OUT_OF_HOURS_MESSAGE =
  'Sorry, our team is not available at the moment. We will call you back when we open. Goodbye.';

export interface HandoffContext {
  callId: string;
  tenantId: string;
  callSid: string;
  agentId: string;
  agentVersionId: string;
  ourNumber: string;
  callerNumber: string;
  summary: string;
  request: HandoffRequest;
  dialed(): HandoffDialEvent | undefined;
  callEnded(): boolean;
}

export async function runHandoff(context: HandoffContext): Promise<HandoffOutcome> {
  const { request } = context;
  upsertSearchAttributes([{ key: ESCALATED, value: true }]);
  // Calls whose handoff started before this was recorded replay without it.
  if (patched('call-timeline')) {
    await store.recordCallProgress({
      callId: context.callId,
      tenantId: context.tenantId,
      escalated: true,
      event: {
        type: 'handoff_started',
        detail: { mode: request.mode, trigger: request.trigger, queue: request.queue ?? null },
      },
    });
  }
  const target = await store.resolveHandoffTarget({
    tenantId: context.tenantId,
    queue: request.queue,
  });

  let outcome: HandoffOutcome;
  if (!target.operatorNumber) outcome = 'no_operator';
  else if (!target.open) outcome = 'out_of_hours';
  else if (target.full) outcome = 'queue_full';
  else if (request.mode === 'cold') outcome = await coldTransfer(context, target.operatorNumber);
  else outcome = await warmTransfer(context, target.operatorNumber);
  // On the timeline when the outcome was known, before the apology and the callback task.
  const decidedAt = new Date().toISOString();

  // A cold dial's failure is announced by the answer to Twilio's Dial action; the others here.
  const toldByDialAction = request.mode === 'cold' && context.dialed() !== undefined;
  if (outcome !== 'connected' && outcome !== 'caller_left' && !toldByDialAction) {
    const message = outcome === 'out_of_hours' ? OUT_OF_HOURS_MESSAGE : HANDOFF_FAILED_MESSAGE;
    await telephony.apologizeAndHangUp({ callSid: context.callSid, message });
  }

  let callbackTaskId: string | null = null;
  if (outcome !== 'connected') {
    callbackTaskId = await leaveCallbackTask(
      context,
      target.queueId,
      target.open ? null : target.nextOpenAt,
    );
  }
  await store.recordCallProgress({
    callId: context.callId,
    tenantId: context.tenantId,
    escalated: true,
    event: {
      occurredAt: decidedAt,
      type: 'handoff',
      detail: {
        mode: request.mode,
        trigger: request.trigger,
        outcome,
        queueId: target.queueId,
        callbackTaskId,
      },
    },
  });
  await emitTenantEvent(context.tenantId, 'voice.call.escalated', {
    call_id: context.callId,
    mode: request.mode,
    trigger: request.trigger,
    reason: request.reason,
    outcome,
    queue_id: target.queueId,
    callback_task_id: callbackTaskId,
  });
  return outcome;
}

async function coldTransfer(
  context: HandoffContext,
  operatorNumber: string,
): Promise<HandoffOutcome> {
  const moved = await telephony.startColdTransfer({
    callId: context.callId,
    callSid: context.callSid,
    operatorNumber,
    timeoutSec: OPERATOR_RING_TIMEOUT_SEC,
  });
  if (!moved.live) return 'caller_left';
  // Twilio reports when the dial ends: after the conversation if the operator answered.
  await condition(() => context.dialed() !== undefined || context.callEnded());
  const dialed = context.dialed();
  if (!dialed) return 'caller_left';
  return outcomeOf(dialed.dialCallStatus);
}

async function warmTransfer(
  context: HandoffContext,
  operatorNumber: string,
): Promise<HandoffOutcome> {
  const held = await telephony.holdCaller({ callSid: context.callSid });
  if (!held.live) return 'caller_left';
  const leg = await telephony.callOperator({
    callId: context.callId,
    operatorNumber,
    from: context.ourNumber,
    summary: context.summary,
    timeoutSec: OPERATOR_RING_TIMEOUT_SEC,
  });

  // The operator's leg is ours: ask Twilio how it goes until it is answered or over.
  let status: CallStatus = 'queued';
  for (;;) {
    status = (await telephony.fetchCallStatus({ callSid: leg.callSid })).status;
    if (status === 'in-progress' || isFinal(status) || context.callEnded()) break;
    await sleep(OPERATOR_POLL_MS);
  }
  if (context.callEnded()) {
    if (status === 'in-progress' || !isFinal(status))
      await telephony.hangUpCall({ callSid: leg.callSid });
    return 'caller_left';
  }
  if (status !== 'in-progress') return outcomeOf(status);

  const joined = await telephony.connectCallerToOperator({
    callId: context.callId,
    callSid: context.callSid,
  });
  return joined.live ? 'connected' : 'caller_left';
}

async function leaveCallbackTask(
  context: HandoffContext,
  queueId: string | null,
  dueAt: string | null,
): Promise<string> {
  const taskId = `cbt_${uuid4().replaceAll('-', '')}`;
  await store.createCallbackTask({
    taskId,
    tenantId: context.tenantId,
    queueId,
    callId: context.callId,
    phoneNumber: context.callerNumber,
    fromNumber: context.ourNumber,
    agentId: context.agentId,
    agentVersionId: context.agentVersionId,
    reason: context.request.reason,
    source: 'handoff',
    mode: 'notify_queue',
    status: 'scheduled',
    dueAt: dueAt ?? new Date().toISOString(),
  });
  await startChild('callbackWorkflow', {
    workflowId: callbackWorkflowId(taskId),
    args: [{ tenantId: context.tenantId, taskId }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `callback task ${taskId} (handoff)`,
    typedSearchAttributes: [
      { key: TENANT_ID, value: context.tenantId },
      { key: WORKFLOW_KIND, value: 'callback' },
    ],
  });
  return taskId;
}

function isFinal(status: CallStatus): boolean {
  return ['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status);
}

function outcomeOf(status: string): HandoffOutcome {
  if (status === 'completed' || status === 'answered' || status === 'in-progress')
    return 'connected';
  if (status === 'busy') return 'busy';
  if (status === 'no-answer' || status === 'canceled') return 'no_answer';
  return 'failed';
}
