/**
 * One phone call, from routing to evaluation. The workflow owns the call's
 * decisions; activities do the side effects; the API and the media bridge
 * reach it through the messages in ./messages.ts.
 */
import {
  condition,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import {
  attachMediaStreamUpdate,
  callStateQuery,
  invokeToolUpdate,
  mediaStreamEndedSignal,
  requestHangUpUpdate,
  transcriptTurnSignal,
  twilioStatusSignal,
  type CallStateView,
} from './messages.js';
import { createEscalationWatch } from './escalation.js';
import { runHandoff } from './handoff.js';
import { handoffDialedSignal } from './handoff-messages.js';
import type { HandoffDialEvent, HandoffOutcome } from './handoff-types.js';
import { AGENT_VERSION, CALL_STATUS } from './search-attributes.js';
import { emitTenantEvent } from './tenant-events.js';
import { createToolRunner } from './tool-runner.js';
import {
  STATUS_RANK,
  TERMINAL_STATUSES,
  type CallStatus,
  type CallSummary,
  type CallWorkflowInput,
  type ResolvedAgentVersion,
  type TranscriptTurn,
} from './types.js';

const store = proxyActivities<CallActivities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
  },
});

const telephony = proxyActivities<CallActivities>({
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['TelephonyRejected'],
  },
});

const grading = proxyActivities<CallActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 4 },
});

/** How long Twilio may take to report a final status after we hang up. */
const HANG_UP_SETTLE_MS = 30_000;
/** Ringing longer than this without an answer ends an outbound call. */
const DIAL_TIMEOUT_MS = 90_000;
const DEFAULT_MAX_CALL_DURATION_SEC = 3_600;
/** How long the bridge may take to deliver its last turns once the call ended. */
const MEDIA_SETTLE_MS = 10_000;
/** How long a final status callback may lag the end of the media stream. */
const STATUS_SETTLE_MS = 5_000;

export async function callWorkflow(input: CallWorkflowInput): Promise<CallSummary> {
  // State and handlers come first: nothing is awaited until every handler is registered (C12).
  let status: CallStatus = input.direction === 'inbound' ? 'ringing' : 'queued';
  let callSid = input.callSid;
  let phase: CallStateView['phase'] = 'routing';
  let version: ResolvedAgentVersion | undefined = undefined;
  let streamSid: string | undefined;
  let durationSec: number | null = null;
  let hangUpReason: string | undefined;
  let answeredBy: string | undefined;
  let mediaEnded = false;
  const pendingTurns: TranscriptTurn[] = [];
  let savedTurns = 0;

  let handoffDial: HandoffDialEvent | undefined;
  let handoffOutcome: HandoffOutcome | undefined;

  const tools = createToolRunner({
    callId: input.callId,
    tenantId: input.tenantId,
    getVersion: () => version,
  });
  const escalation = createEscalationWatch({ call: input, getVersion: () => version });

  // A getter, because handlers change the status between awaits.
  function currentStatus(): CallStatus {
    return status;
  }

  function isEnded(): boolean {
    return TERMINAL_STATUSES.has(status);
  }

  function moveStatus(next: CallStatus): boolean {
    if (STATUS_RANK[next] <= STATUS_RANK[status]) return false;
    status = next;
    upsertSearchAttributes([{ key: CALL_STATUS, value: status }]);
    return true;
  }

  setHandler(twilioStatusSignal, (event) => {
    callSid ??= event.callSid;
    if (event.durationSec !== undefined) durationSec = event.durationSec;
    if (event.answeredBy) answeredBy = event.answeredBy;
    moveStatus(event.status);
  });

  setHandler(transcriptTurnSignal, (turn) => {
    pendingTurns.push(turn);
    escalation.noteTurn(turn);
  });

  setHandler(handoffDialedSignal, (event) => {
    handoffDial ??= event;
  });

  setHandler(mediaStreamEndedSignal, ({ streamSid: ended }) => {
    if (ended !== streamSid) return;
    streamSid = undefined;
    mediaEnded = true;
  });

  setHandler(
    attachMediaStreamUpdate,
    async ({ streamSid: claimed }) => {
      await condition(() => version !== undefined);
      streamSid = claimed;
      // Twilio only opens a stream on a live call: an inbound call is in progress from here.
      moveStatus('in-progress');
      return tools.sessionConfigFor(input.greeting);
    },
    {
      validator: ({ streamSid: claimed }) => {
        if (isEnded()) throw new Error('the call has ended');
        if (streamSid && streamSid !== claimed) throw new Error('another stream holds this call');
      },
    },
  );

  setHandler(
    invokeToolUpdate,
    (invocation) =>
      tools.invoke(invocation).then((result) => escalation.noteToolResult(invocation, result)),
    {
      validator: (_invocation) => {
        if (isEnded()) throw new Error('the call has ended');
      },
    },
  );

  setHandler(requestHangUpUpdate, ({ reason }) => {
    if (isEnded() || hangUpReason) return { accepted: false };
    hangUpReason = reason;
    return { accepted: true };
  });

  setHandler(callStateQuery, () => ({
    status,
    callSid,
    agentVersionId: version?.agentVersionId,
    streamSid,
    turns: savedTurns + pendingTurns.length,
    toolRuns: tools.runCount(),
    phase,
  }));

  // Calls started before tenant events existed replay without them (a deploy mid-call stays safe).
  const emitsTenantEvents = patched('tenant-events');

  // Routing: which agent version answers, and why.
  version = await store.resolveAgentVersion({
    tenantId: input.tenantId,
    agentVersionId: input.agentVersionId,
    agentId: input.agentId,
    phoneRouteId: input.phoneRouteId,
    callerNumber: input.direction === 'inbound' ? input.from : input.to,
  });
  upsertSearchAttributes([{ key: AGENT_VERSION, value: version.agentVersionId }]);
  await store.recordCallProgress({
    callId: input.callId,
    tenantId: input.tenantId,
    agentVersionId: version.agentVersionId,
    versionReason: version.reason,
    event: {
      type: 'routed',
      detail: { agentVersionId: version.agentVersionId, reason: version.reason },
    },
  });

  // Dialing (outbound): Twilio rings the callee; status callbacks move the call on.
  phase = 'dialing';
  if (input.direction === 'outbound') {
    moveStatus('dialing');
    try {
      const placed = await telephony.placeCall({
        callId: input.callId,
        tenantId: input.tenantId,
        to: input.to,
        from: input.from,
      });
      callSid ??= placed.callSid;
      await store.recordCallProgress({
        callId: input.callId,
        tenantId: input.tenantId,
        callSid: placed.callSid,
        event: { type: 'dialed', detail: {} },
      });
    } catch (error) {
      moveStatus('failed');
      log.warn('dialing failed', { callId: input.callId, error: String(error) });
    }
    const settled = await condition(
      () => currentStatus() === 'in-progress' || isEnded(),
      DIAL_TIMEOUT_MS,
    );
    if (!settled) hangUpReason ??= 'dial_timeout';
  }

  // Conversation: the bridge streams audio; turns are saved in batches as they arrive.
  phase = 'connected';
  if (currentStatus() === 'in-progress') {
    await store.recordCallProgress({
      callId: input.callId,
      tenantId: input.tenantId,
      status,
      answeredBy,
      event: { type: 'answered', detail: answeredBy ? { answeredBy } : {} },
    });
    if (emitsTenantEvents) {
      await emitTenantEvent(input.tenantId, 'voice.call.started', {
        call_id: input.callId,
        direction: input.direction,
        agent_version_id: version.agentVersionId,
      });
    }
  }
  const maxDurationMs =
    (version.config.max_call_duration_sec ?? DEFAULT_MAX_CALL_DURATION_SEC) * 1_000;
  const flushing = saveTurnsUntilEnded();
  const ended = await condition(
    () =>
      isEnded() || hangUpReason !== undefined || mediaEnded || escalation.handoff() !== undefined,
    maxDurationMs,
  );
  if (!ended) hangUpReason = 'max_duration';

  // Handoff: a person takes the call (or a callback task is left); the call ends on Twilio's side.
  const handoff = escalation.handoff();
  if (handoff && !isEnded() && !hangUpReason && callSid) {
    phase = 'handoff';
    handoffOutcome = await runHandoff({
      callId: input.callId,
      tenantId: input.tenantId,
      callSid,
      agentId: version.agentId,
      agentVersionId: version.agentVersionId,
      ourNumber: input.direction === 'inbound' ? input.to : input.from,
      callerNumber: input.direction === 'inbound' ? input.from : input.to,
      summary: escalation.summary(savedTurns + pendingTurns.length),
      request: handoff,
      dialed: () => handoffDial,
      callEnded: isEnded,
    });
    const settled = await condition(isEnded, maxDurationMs);
    if (!settled) hangUpReason = 'max_duration';
  }

  // The stream stopped without a final status (no status callback configured, or it is late):
  // ask Twilio how the call ended.
  if (mediaEnded && !isEnded() && !hangUpReason && callSid) {
    const settled = await condition(isEnded, STATUS_SETTLE_MS);
    if (!settled) {
      const final = await telephony.fetchCallStatus({ callSid });
      if (final.durationSec !== undefined) durationSec = final.durationSec;
      if (!moveStatus(final.status) && !isEnded()) hangUpReason = 'media_stream_ended';
    }
  }

  // Ending: hang up the phone leg, then wait for Twilio's final status.
  phase = 'ending';
  if (!isEnded() && hangUpReason) {
    if (callSid) await telephony.hangUpCall({ callSid });
    const settled = await condition(isEnded, HANG_UP_SETTLE_MS);
    if (!settled) moveStatus('completed');
  }
  // The bridge sends the last turns as the stream stops; give it a moment to finish.
  const streamClosed = await condition(() => streamSid === undefined, MEDIA_SETTLE_MS);
  if (!streamClosed) streamSid = undefined; // the bridge is gone; nothing more will arrive
  await flushing;

  // Wrap-up: the record, then the evaluation (which never blocks the record).
  phase = 'wrap-up';
  await store.finalizeCall({
    callId: input.callId,
    tenantId: input.tenantId,
    status,
    durationSec,
    endReason: hangUpReason ?? (handoffOutcome ? `handoff_${handoffOutcome}` : 'caller_hung_up'),
  });
  if (emitsTenantEvents) {
    await emitTenantEvent(input.tenantId, 'voice.call.completed', {
      call_id: input.callId,
      status,
      duration_sec: durationSec,
      direction: input.direction,
      handoff_outcome: handoffOutcome ?? null,
    });
  }
  let evaluation: CallSummary['evaluation'] = 'skipped';
  if (currentStatus() === 'completed' && savedTurns > 0) {
    try {
      await grading.evaluateCall({
        callId: input.callId,
        tenantId: input.tenantId,
        rubric: version.config.evaluation_rubric ?? [],
        requiredTools: version.config.required_tools ?? [],
      });
      evaluation = 'stored';
      if (emitsTenantEvents) {
        await emitTenantEvent(input.tenantId, 'voice.session.evaluated', { call_id: input.callId });
      }
    } catch (error) {
      evaluation = 'failed';
      log.warn('evaluation failed', { callId: input.callId, error: String(error) });
    }
  }

  phase = 'done';
  return {
    callId: input.callId,
    status,
    durationSec,
    turns: savedTurns,
    toolRuns: tools.runCount(),
    evaluation,
  };

  async function saveTurnsUntilEnded(): Promise<void> {
    for (;;) {
      await condition(() => pendingTurns.length > 0 || (isEnded() && streamSid === undefined));
      if (pendingTurns.length === 0) return;
      const batch = pendingTurns.splice(0, pendingTurns.length);
      await store.saveTranscriptTurns({
        callId: input.callId,
        tenantId: input.tenantId,
        firstSequence: savedTurns + 1,
        turns: batch,
      });
      savedTurns += batch.length;
    }
  }
}
