/**
 * One phone call, from routing to evaluation. The workflow owns the call's
 * decisions; activities do the side effects; the API and the media bridge
 * reach it through the messages in ./messages.ts.
 */
import {
  allHandlersFinished,
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
  keypadEntrySignal,
  machineDetectionSignal,
  mediaStreamEndedSignal,
  requestHangUpUpdate,
  toolRefusedSignal,
  transcriptTurnSignal,
  twilioStatusSignal,
  type CallStateView,
} from './messages.js';
import { withSummaries } from './activity-summaries.js';
import { createCallTimeline } from './call-timeline.js';
import { mediaSessionConfig } from './media-session.js';
import {
  callOutcome,
  machineDetectionFor,
  MODEL_FAILURE_REASONS,
  voicemailHangUpReason,
} from './outcome.js';
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
  type ToolInvocation,
} from './types.js';
import { RECORD_WRITE_OPTIONS } from './record-writes.js';

const store = withSummaries(proxyActivities<CallActivities>(RECORD_WRITE_OPTIONS));

const telephony = withSummaries(
  proxyActivities<CallActivities>({
    startToCloseTimeout: '15 seconds',
    retry: {
      initialInterval: '1 second',
      maximumAttempts: 5,
      nonRetryableErrorTypes: ['TelephonyRejected'],
    },
  }),
);

// The judge may take a minute; the activity heartbeats, so a dead worker is noticed in seconds.
const grading = withSummaries(
  proxyActivities<CallActivities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '2 seconds', maximumAttempts: 4 },
  }),
);

/** How long Twilio may take to report a final status after we hang up (a message included). */
const HANG_UP_SETTLE_MS = 30_000;
/** Ringing longer than this without an answer ends an outbound call. */
const DIAL_TIMEOUT_MS = 90_000;
const DEFAULT_MAX_CALL_DURATION_SEC = 3_600;
/** Past the time limit, how long the bridge has for its wrap-up before the workflow hangs up. */
const WRAP_UP_GRACE_MS = 30_000;
/** How long the bridge may take to deliver its last turns once the call ended. */
const MEDIA_SETTLE_MS = 10_000;
/** How long a final status callback may lag the end of the media stream. */
const STATUS_SETTLE_MS = 5_000;
/** How long records started by message handlers may take to land before the call is finalized. */
const HANDLERS_SETTLE_MS = 60_000;
const DEFAULT_FALLBACK_MESSAGE =
  "We're sorry, we're having technical difficulties and can't continue this call. Please call back later. Goodbye.";
const DEFAULT_VOICEMAIL_MESSAGE = 'Hello, we tried to reach you and will try again later. Goodbye.';

export async function callWorkflow(input: CallWorkflowInput): Promise<CallSummary> {
  // State and handlers come first: nothing is awaited until every handler is registered (C12).
  let status: CallStatus = input.direction === 'inbound' ? 'ringing' : 'queued';
  let callSid = input.callSid;
  let phase: CallStateView['phase'] = 'routing';
  let version: ResolvedAgentVersion | undefined = undefined;
  let streamSid: string | undefined;
  let durationSec: number | null = null;
  let hangUpReason: string | undefined;
  let hangUpDetail: string | undefined;
  let answeredBy: string | undefined;
  let mediaEnded = false;
  let conversationEndsAtMs: number | undefined;
  let keypadEntry: string | undefined;
  let keypadEntries = 0;
  const pendingTurns: TranscriptTurn[] = [];
  let savedTurns = 0;

  const ids = { callId: input.callId, tenantId: input.tenantId };
  // Calls started before the timeline recorded ringing, the answer and the media stream replay
  // without those records.
  const recordsTimeline = patched('call-timeline');
  const timeline = createCallTimeline(ids);
  const tools = createToolRunner({
    ...ids,
    getVersion: () => version,
    getKeypadEntry: () => keypadEntry,
    onIdentityVerified: (tool) =>
      store.recordCallProgress({ ...ids, event: { type: 'identity_verified', detail: { tool } } }),
  });
  let handoffDial: HandoffDialEvent | undefined;
  let handoffOutcome: HandoffOutcome | undefined;
  const escalation = createEscalationWatch({ call: input, getVersion: () => version });

  // A getter, because handlers change the status between awaits.
  function currentStatus(): CallStatus {
    return status;
  }

  function isEnded(): boolean {
    return TERMINAL_STATUSES.has(status);
  }

  function isAnswered(): boolean {
    return status === 'in-progress' || status === 'completed';
  }

  function moveStatus(next: CallStatus): boolean {
    if (STATUS_RANK[next] <= STATUS_RANK[status]) return false;
    status = next;
    upsertSearchAttributes([{ key: CALL_STATUS, value: status }]);
    if (recordsTimeline) timeline.noteStatus(status, answeredBy);
    return true;
  }

  /** The time limit starts with the conversation: the first of the stream attaching or the answer. */
  function conversationDeadline(resolved: ResolvedAgentVersion): number {
    const limitSec = resolved.config.max_call_duration_sec ?? DEFAULT_MAX_CALL_DURATION_SEC;
    conversationEndsAtMs ??= Date.now() + limitSec * 1_000;
    return conversationEndsAtMs;
  }

  setHandler(twilioStatusSignal, (event) => {
    callSid ??= event.callSid;
    if (event.durationSec !== undefined) durationSec = event.durationSec;
    if (event.answeredBy) answeredBy = event.answeredBy;
    moveStatus(event.status);
  });

  setHandler(machineDetectionSignal, async (event) => {
    answeredBy = event.answeredBy;
    const reason = voicemailHangUpReason(version?.config.voicemail, event.answeredBy);
    if (reason && !isEnded()) hangUpReason ??= reason;
    await store.recordCallProgress({
      ...ids,
      answeredBy: event.answeredBy,
      event: { type: 'machine_detection', detail: { answeredBy: event.answeredBy } },
    });
  });

  setHandler(transcriptTurnSignal, (turn) => {
    pendingTurns.push(turn);
    escalation.noteTurn(turn);
  });

  setHandler(handoffDialedSignal, (event) => {
    handoffDial ??= event;
  });

  setHandler(keypadEntrySignal, async (entry) => {
    keypadEntry = entry.digits;
    keypadEntries += 1;
    // The digits may be a PIN: the record keeps their count, never the digits.
    await store.recordCallProgress({
      ...ids,
      event: {
        type: 'keypad_entry',
        key: `keypad:${keypadEntries}`,
        detail: { digits: entry.digits.length, endedBy: entry.endedBy },
      },
    });
  });

  // A refused call is a tool error too: it counts towards the version's tool-error escalation.
  setHandler(toolRefusedSignal, async (refusal) => {
    await tools.recordRefusal(refusal);
    await escalation.noteToolResult(refusal, {
      status: 'refused',
      output: JSON.stringify({ error: refusal.reason }),
    });
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
      const resolved = version as ResolvedAgentVersion;
      streamSid = claimed;
      // Twilio only opens a stream on a live call: an inbound call is in progress from here.
      moveStatus('in-progress');
      if (recordsTimeline) timeline.noteMediaStream(claimed);
      return mediaSessionConfig(ids, resolved, {
        greeting: input.greeting,
        endsAtMs: conversationDeadline(resolved),
      });
    },
    {
      validator: ({ streamSid: claimed, callSid: claimedCallSid }) => {
        if (isEnded() || hangUpReason) throw new Error('the call has ended');
        // One stream per call: a replayed token or a second socket never joins a live call.
        if (streamSid) throw new Error(`stream ${claimed} refused: another stream holds this call`);
        if (callSid && claimedCallSid !== callSid)
          throw new Error('the stream belongs to another call');
      },
    },
  );

  setHandler(
    invokeToolUpdate,
    (invocation) =>
      tools.invoke(invocation).then((result) => escalation.noteToolResult(invocation, result)),
    {
      validator: (invocation: ToolInvocation) => {
        if (isEnded()) throw new Error('the call has ended');
        tools.validate(invocation);
      },
    },
  );

  setHandler(requestHangUpUpdate, ({ reason, detail }) => {
    if (isEnded() || hangUpReason) return { accepted: false };
    hangUpReason = reason;
    hangUpDetail = detail;
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
  const { config } = version;
  upsertSearchAttributes([{ key: AGENT_VERSION, value: version.agentVersionId }]);
  await store.recordCallProgress({
    ...ids,
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
    // Dialed is when we asked, so it precedes whatever Twilio reports back.
    const dialedAt = new Date().toISOString();
    try {
      const placed = await telephony.placeCall({
        ...ids,
        to: input.to,
        from: input.from,
        machineDetection: machineDetectionFor(config.voicemail),
      });
      callSid ??= placed.callSid;
      await store.recordCallProgress({
        ...ids,
        callSid: placed.callSid,
        event: { type: 'dialed', detail: {}, occurredAt: dialedAt },
      });
    } catch (error) {
      moveStatus('failed');
      log.warn('dialing failed', { callId: input.callId, error: String(error) });
    }
    const settled = await condition(
      () => currentStatus() === 'in-progress' || isEnded() || hangUpReason !== undefined,
      DIAL_TIMEOUT_MS,
    );
    if (!settled) hangUpReason ??= 'dial_timeout';
  }

  // Conversation: the bridge streams audio; turns are saved in batches as they arrive. At the
  // time limit the bridge wraps up; the workflow hangs up itself only if that never comes.
  phase = 'connected';
  if (currentStatus() === 'in-progress') {
    // With the timeline the answer is already queued behind ringing: wait for it, never race it.
    if (recordsTimeline) await timeline.settled();
    else {
      await store.recordCallProgress({
        ...ids,
        status,
        answeredBy,
        event: { type: 'answered', detail: answeredBy ? { answeredBy } : {} },
      });
    }
    if (emitsTenantEvents) {
      await emitTenantEvent(input.tenantId, 'voice.call.started', {
        call_id: input.callId,
        direction: input.direction,
        agent_version_id: version.agentVersionId,
      });
    }
  }
  const flushing = saveTurnsUntilEnded();
  const hardStopMs = Math.max(conversationDeadline(version) + WRAP_UP_GRACE_MS - Date.now(), 1);
  const ended = await condition(
    () =>
      isEnded() || hangUpReason !== undefined || mediaEnded || escalation.handoff() !== undefined,
    hardStopMs,
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
    const settled = await condition(isEnded, hardStopMs);
    if (!settled) hangUpReason = 'max_duration';
  }

  // The stream stopped without a final status (no status callback configured, or it is late):
  // ask Twilio how the call ended.
  if (mediaEnded && !isEnded() && !hangUpReason && callSid) {
    const settled = await condition(isEnded, STATUS_SETTLE_MS);
    if (!settled) {
      try {
        const final = await telephony.fetchCallStatus({ callSid });
        if (final.durationSec !== undefined) durationSec = final.durationSec;
        if (!moveStatus(final.status) && !isEnded()) hangUpReason = 'media_stream_ended';
      } catch (error) {
        // Twilio cannot tell us how the call ended; the record still closes.
        log.warn('call status unknown', { callId: input.callId, error: String(error) });
        hangUpReason = 'status_unknown';
      }
    }
  }

  // Ending: end the phone leg (with a last message when one is owed), then wait for Twilio.
  phase = 'ending';
  if (!isEnded() && hangUpReason) {
    if (MODEL_FAILURE_REASONS.has(hangUpReason)) {
      await store.recordCallProgress({
        ...ids,
        event: {
          type: 'model_failed',
          detail: { reason: hangUpReason, detail: hangUpDetail ?? null },
        },
      });
    }
    await endPhoneLeg(isAnswered());
  }
  // The bridge sends the last turns as the stream stops; give it a moment to finish.
  const streamClosed = await condition(() => streamSid === undefined, MEDIA_SETTLE_MS);
  if (!streamClosed) streamSid = undefined; // the bridge is gone; nothing more will arrive
  await flushing;
  await condition(allHandlersFinished, HANDLERS_SETTLE_MS);
  await timeline.settled();
  await tools.recordsWritten();

  // Wrap-up: the record, then the evaluation (which never blocks the record).
  phase = 'wrap-up';
  const endReason =
    hangUpReason ??
    (handoffOutcome ? `handoff_${handoffOutcome}` : isAnswered() ? 'caller_hung_up' : status);
  const outcome = callOutcome(status, answeredBy, endReason);
  await store.finalizeCall({
    ...ids,
    status,
    outcome,
    durationSec,
    endReason,
    endedAt: timeline.endedAt(),
  });
  if (emitsTenantEvents) {
    await emitTenantEvent(input.tenantId, 'voice.call.completed', {
      call_id: input.callId,
      status,
      outcome,
      duration_sec: durationSec,
      direction: input.direction,
      handoff_outcome: handoffOutcome ?? null,
    });
  }
  let evaluation: CallSummary['evaluation'] = 'skipped';
  if (outcome === 'completed' && savedTurns > 0) {
    try {
      await grading.evaluateCall({
        ...ids,
        rubric: config.evaluation_rubric ?? [],
        requiredTools: config.required_tools ?? [],
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
    outcome,
    endReason,
    evaluation,
  };

  /** Hangs up (or cancels a call still ringing), or has Twilio say a last message first. */
  async function endPhoneLeg(answered: boolean): Promise<void> {
    if (!callSid) return;
    const message = lastMessageFor(hangUpReason);
    let alreadyGone = false;
    try {
      const ended =
        answered && message
          ? await telephony.endCallWithMessage({ callSid, message })
          : await telephony.hangUpCall({ callSid, beforeAnswer: !answered });
      alreadyGone = ended.alreadyEnded;
    } catch (error) {
      // Retries are spent: Twilio cannot be told, and will not tell us either.
      log.warn('ending the phone leg failed', { callId: input.callId, error: String(error) });
      alreadyGone = true;
    }

    // A cancel can cross the answer: then the answered call is hung up.
    if (!alreadyGone) {
      await condition(() => isEnded() || (!answered && isAnswered()), HANG_UP_SETTLE_MS);
      if (!isEnded() && !answered && isAnswered()) {
        await telephony.hangUpCall({ callSid, beforeAnswer: false });
        await condition(isEnded, HANG_UP_SETTLE_MS);
      }
    }
    if (!isEnded()) {
      moveStatus(
        hangUpReason === 'status_unknown' ? 'failed' : isAnswered() ? 'completed' : 'canceled',
      );
    }
  }

  function lastMessageFor(reason: string | undefined): string | undefined {
    if (reason && MODEL_FAILURE_REASONS.has(reason))
      return config.fallback_message ?? DEFAULT_FALLBACK_MESSAGE;
    if (reason === 'voicemail_message_left')
      return config.voicemail?.message ?? DEFAULT_VOICEMAIL_MESSAGE;
    return undefined;
  }

  async function saveTurnsUntilEnded(): Promise<void> {
    for (;;) {
      await condition(() => pendingTurns.length > 0 || (isEnded() && streamSid === undefined));
      if (pendingTurns.length === 0) return;
      const batch = pendingTurns.splice(0, pendingTurns.length);
      await store.saveTranscriptTurns({ ...ids, firstSequence: savedTurns + 1, turns: batch });
      savedTurns += batch.length;
    }
  }
}
