/**
 * One phone call, from routing to evaluation. The workflow owns the call's
 * decisions; activities do the side effects; the API and the media bridge
 * reach it through the messages in ./messages.ts.
 */
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
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
  mediaStreamLostUpdate,
  requestHangUpUpdate,
  toolRefusedSignal,
  transcriptTurnSignal,
  transcriptTurnsSignal,
  twilioStatusSignal,
  type CallStateView,
  type StreamRecovery,
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
import { continueCall, historyIsFull, MAX_CARRIED_TURNS } from './continue-as-new.js';
import { createEscalationWatch } from './escalation.js';
import { runHandoff } from './handoff.js';
import { handoffDialedSignal } from './handoff-messages.js';
import type { HandoffDialEvent, HandoffOutcome } from './handoff-types.js';
import type { CallContinuation, RecentTurn } from './continuation-types.js';
import type { TenantEventName } from './notification-types.js';
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

/** Turns are saved in the workflow task they arrive in: a local activity is one history event. */
const transcripts = withSummaries(
  proxyLocalActivities<CallActivities>({
    startToCloseTimeout: '10 seconds',
    retry: {
      initialInterval: '500 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '10 seconds',
    },
  }),
);
/**
 * One insert. Large, so that a backlog (a flood of turns, a workflow task replayed after a worker
 * restart) is saved in one go: every save holds its workflow task open a little longer.
 */
const MAX_TURNS_PER_SAVE = 1_000;

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
/** The bridge's end reason when Twilio sent `stop`: the call's media is over, not lost. */
const STREAM_STOPPED = 'stream_stopped';
/** How long a lost stream may take to be replaced before the call ends with the fallback. */
const STREAM_RECOVERY_MS = 20_000;
/** Replacement streams one call may be handed; then it ends with the fallback. */
const MAX_STREAM_RECOVERIES = 3;
/** The turns a replacement model session is seeded with, and how much of each. */
const RECENT_TURNS = 20;
const RECENT_TURN_CHARS = 500;

export async function callWorkflow(input: CallWorkflowInput): Promise<CallSummary> {
  // State and handlers come first: nothing is awaited until every handler is registered (C12).
  // A continued run (C13) starts from the state its previous run carried over.
  const carried = input.continuation;
  let status: CallStatus =
    carried?.status ?? (input.direction === 'inbound' ? 'ringing' : 'queued');
  let callSid = carried?.callSid ?? input.callSid;
  let phase: CallStateView['phase'] = carried ? 'connected' : 'routing';
  let version: ResolvedAgentVersion | undefined = carried?.version;
  let streamSid: string | undefined = carried?.streamSid;
  let durationSec: number | null = carried?.durationSec ?? null;
  let hangUpReason: string | undefined = carried?.hangUpReason;
  let hangUpDetail: string | undefined = carried?.hangUpDetail;
  let answeredBy: string | undefined = carried?.answeredBy;
  let mediaEnded = false;
  let mediaLost = false;
  let conversationEndsAtMs: number | undefined = carried?.conversationEndsAtMs;
  let keypadEntry: string | undefined = carried?.keypad.lastEntry;
  let keypadEntries = carried?.keypad.entries ?? 0;
  const pendingTurns: TranscriptTurn[] = [...(carried?.turns.unsaved ?? [])];
  let savedTurns = carried?.turns.saved ?? 0;
  const turnsReceived = new Map(Object.entries(carried?.turns.received ?? {}));
  const tenantEventsEmitted = new Set<TenantEventName>(carried?.tenantEventsEmitted);
  // Bridge failover: the stream in use or handed out next, the last one lost (its token and
  // those before it open nothing), replacements so far, the turns a new session is seeded with.
  let streamNumber = carried?.streams?.number ?? 1;
  let retiredStream = carried?.streams?.retired ?? 0;
  let streamRecoveries = carried?.streams?.recoveries ?? 0;
  let awaitingStream = false;
  const recentTurns: RecentTurn[] = [...(carried?.streams?.recentTurns ?? [])];
  // Whether a lost stream is replaced: a continued run knows it from the start; a first run
  // decides it below with patched(). Handlers run as soon as they are registered, with the
  // messages buffered for the first task (a continued run's may hold a lost stream), so those
  // that depend on it wait for it rather than read an undecided value.
  let failsOver: boolean | undefined = carried
    ? carried.patches.streamFailover === true
    : undefined;

  const ids = { callId: input.callId, tenantId: input.tenantId };
  // Calls started before the timeline recorded ringing, the answer and the media stream replay
  // without those records.
  const recordsTimeline = carried ? carried.patches.callTimeline : patched('call-timeline');
  const timeline = createCallTimeline(ids);
  const tools = createToolRunner({
    ...ids,
    getVersion: () => version,
    getKeypadEntry: () => keypadEntry,
    onIdentityVerified: (tool) =>
      store.recordCallProgress({ ...ids, event: { type: 'identity_verified', detail: { tool } } }),
    initial: carried?.tools,
  });
  let handoffDial: HandoffDialEvent | undefined;
  let handoffOutcome: HandoffOutcome | undefined;
  const escalation = createEscalationWatch({
    call: input,
    getVersion: () => version,
    initial: carried?.escalation,
  });

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
    // Another call's result (a sid this call does not have) changes nothing here.
    if (callSid && event.callSid && event.callSid !== callSid) return;
    answeredBy = event.answeredBy;
    const reason = voicemailHangUpReason(version?.config.voicemail, event.answeredBy);
    if (reason && !isEnded()) hangUpReason ??= reason;
    await store.recordCallProgress({
      ...ids,
      answeredBy: event.answeredBy,
      event: { type: 'machine_detection', detail: { answeredBy: event.answeredBy } },
    });
  });

  setHandler(transcriptTurnsSignal, ({ streamSid: spokenOn, firstTurn, turns }) => {
    // A delivery the bridge retried after an unclear failure may repeat turns: they count once.
    const received = turnsReceived.get(spokenOn) ?? 0;
    const fresh = turns.slice(Math.max(0, received + 1 - firstTurn));
    turnsReceived.set(spokenOn, Math.max(received, firstTurn + turns.length - 1));
    for (const turn of fresh) noteTurn(turn);
  });

  setHandler(transcriptTurnSignal, noteTurn);

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

  setHandler(mediaStreamEndedSignal, async ({ streamSid: ended, reason }) => {
    if (failsOver === undefined) await condition(() => failsOver !== undefined);
    if (ended !== streamSid) return;
    // The socket went without Twilio's `stop` while the call goes on: Twilio asks for a new one.
    if (failsOver && reason !== STREAM_STOPPED && conversationGoesOn()) {
      loseStream();
      return;
    }
    streamSid = undefined;
    mediaEnded = true;
  });

  setHandler(
    mediaStreamLostUpdate,
    async (): Promise<StreamRecovery> => {
      if (failsOver === undefined) await condition(() => failsOver !== undefined);
      if (isEnded()) return { action: 'hang-up' };
      // Calls started before failover end with their stream, as they always did.
      if (!failsOver) return { action: mediaEnded || hangUpReason ? 'hold' : 'hang-up' };
      // The workflow is ending the call or handing it over: its own REST update comes next.
      if (!conversationGoesOn()) return { action: 'hold' };
      if (streamRecoveries >= MAX_STREAM_RECOVERIES) {
        hangUpReason = 'media_lost';
        // The stream is gone all the same: on the record, and owed nothing more by its bridge.
        if (!awaitingStream && recordsTimeline) timeline.noteMediaLost(streamNumber, streamSid);
        streamSid = undefined;
        retiredStream = streamNumber;
        return { action: 'hold' };
      }
      streamRecoveries += 1;
      loseStream();
      streamNumber += 1;
      return { action: 'reconnect', stream: streamNumber };
    },
    {
      validator: ({ callSid: reported }) => {
        if (callSid && reported !== callSid) throw new Error('the report belongs to another call');
      },
    },
  );

  setHandler(
    attachMediaStreamUpdate,
    async ({ streamSid: claimed }) => {
      await condition(() => version !== undefined);
      const resolved = version as ResolvedAgentVersion;
      streamSid = claimed;
      awaitingStream = false;
      // Twilio only opens a stream on a live call: an inbound call is in progress from here.
      moveStatus('in-progress');
      if (recordsTimeline) timeline.noteMediaStream(claimed);
      return mediaSessionConfig(ids, resolved, {
        greeting: input.greeting,
        endsAtMs: conversationDeadline(resolved),
        // A stream lost before a word of the call was heard is replaced by one that greets.
        resume:
          streamNumber > 1 && recentTurns.length > 0
            ? { stream: streamNumber, turns: [...recentTurns] }
            : undefined,
      });
    },
    {
      validator: ({ streamSid: claimed, callSid: claimedCallSid, stream }) => {
        if (isEnded() || hangUpReason) throw new Error('the call has ended');
        // One stream at a time: a replayed token or a second socket never joins a live call.
        if (streamSid) throw new Error(`stream ${claimed} refused: another stream holds this call`);
        if (mediaEnded) throw new Error(`stream ${claimed} refused: the call's media has ended`);
        // A replacement handed out before a handoff began never plays a recovery line over it.
        if (escalation.handoff() !== undefined)
          throw new Error(`stream ${claimed} refused: the call is being handed over`);
        // A token names its stream: one of a stream the call replaced never opens another.
        if ((stream ?? 1) !== streamNumber || streamNumber <= retiredStream)
          throw new Error(`stream ${claimed} refused: its token is for another stream`);
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
    run: carried?.run ?? 1,
    stream: streamNumber,
    phase,
  }));

  // Calls started before tenant events existed replay without them (a deploy mid-call stays safe).
  const emitsTenantEvents = carried ? carried.patches.tenantEvents : patched('tenant-events');
  // Likewise calls started before turns were saved in batches, with continue-as-new (C13).
  const savesInBatches = carried !== undefined || patched('long-calls');
  // And calls started before a lost stream could be replaced (bridge failover).
  failsOver ??= patched('stream-failover');

  // Routing: which agent version answers, and why. A continued run (C13) has its version and
  // resumes straight in the conversation: no second routing, dialing or started event.
  if (!carried) {
    version = await store.resolveAgentVersion({
      tenantId: input.tenantId,
      agentVersionId: input.agentVersionId,
      agentId: input.agentId,
      phoneRouteId: input.phoneRouteId,
      callerNumber: input.direction === 'inbound' ? input.from : input.to,
    });
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
  }
  const resolved = version as ResolvedAgentVersion;
  const { config } = resolved;

  // Dialing (outbound): Twilio rings the callee; status callbacks move the call on.
  if (!carried && input.direction === 'outbound') {
    phase = 'dialing';
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
  if (!carried && currentStatus() === 'in-progress') {
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
        agent_version_id: resolved.agentVersionId,
      });
      tenantEventsEmitted.add('voice.call.started');
    }
  }
  let flushing: Promise<void>;
  const hardStopMs = Math.max(conversationDeadline(resolved) + WRAP_UP_GRACE_MS - Date.now(), 1);
  if (savesInBatches) {
    await converseInBatches(hardStopMs);
    flushing = saveTurnsInBatchesUntilEnded();
  } else {
    flushing = saveTurnsUntilEnded();
    const ended = await condition(conversationOver, hardStopMs);
    if (!ended) hangUpReason = 'max_duration';
  }

  // Handoff: a person takes the call (or a callback task is left); the call ends on Twilio's side.
  const handoff = escalation.handoff();
  if (handoff && !isEnded() && !hangUpReason && callSid) {
    phase = 'handoff';
    handoffOutcome = await runHandoff({
      callId: input.callId,
      tenantId: input.tenantId,
      callSid,
      agentId: resolved.agentId,
      agentVersionId: resolved.agentVersionId,
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
        if (!moveStatus(final.status) && !isEnded())
          hangUpReason = mediaLost ? 'media_lost' : 'media_stream_ended';
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
    if (reason && (MODEL_FAILURE_REASONS.has(reason) || reason === 'media_lost'))
      return config.fallback_message ?? DEFAULT_FALLBACK_MESSAGE;
    if (reason === 'voicemail_message_left')
      return config.voicemail?.message ?? DEFAULT_VOICEMAIL_MESSAGE;
    return undefined;
  }

  /** Whether the call is still in its conversation: a lost stream there is replaced. */
  function conversationGoesOn(): boolean {
    const conversing = phase === 'routing' || phase === 'dialing' || phase === 'connected';
    return conversing && !conversationOver();
  }

  /**
   * The call's stream is gone while the call goes on (its bridge died, or its socket dropped):
   * its number is retired, and Twilio is handed the next one when it asks. If no replacement
   * connects in time, the call ends as a stream that stopped does, with the fallback message if
   * Twilio still holds it.
   */
  function loseStream(): void {
    const lost = streamSid;
    streamSid = undefined;
    retiredStream = streamNumber;
    if (awaitingStream) return;
    awaitingStream = true;
    if (recordsTimeline) timeline.noteMediaLost(streamNumber, lost);
    void awaitReplacementStream();
  }

  async function awaitReplacementStream(): Promise<void> {
    const settled = await condition(
      () => !awaitingStream || conversationOver(),
      STREAM_RECOVERY_MS,
    );
    if (!awaitingStream) return;
    awaitingStream = false;
    // No replacement came: Twilio says whether the call is still there (then it ends with the
    // fallback message) or how it ended.
    if (!settled) {
      mediaEnded = true;
      mediaLost = true;
    }
  }

  /** A turn for the record, the escalation rules and a replacement model session's context. */
  function noteTurn(turn: TranscriptTurn): void {
    pendingTurns.push(turn);
    escalation.noteTurn(turn);
    recentTurns.push({ role: turn.role, text: turn.text.slice(0, RECENT_TURN_CHARS) });
    if (recentTurns.length > RECENT_TURNS) recentTurns.shift();
  }

  function conversationOver(): boolean {
    return (
      isEnded() || hangUpReason !== undefined || mediaEnded || escalation.handoff() !== undefined
    );
  }

  /**
   * The conversation of a call that saves its turns in batches (C13): each batch is saved in the
   * workflow task it arrives in, and once this run's history is full the call continues-as-new
   * with everything it needs, once no handler is running. One timer bounds the whole
   * conversation: a timeout on each wait would add two history events per batch.
   */
  async function converseInBatches(hardStopMs: number): Promise<void> {
    let timedOut = false;
    const hardStop = new CancellationScope();
    void hardStop
      .run(() => sleep(hardStopMs))
      .then(
        () => (timedOut = true),
        () => undefined,
      );
    // Records that handlers started (timeline entries, tool records) land in this run first.
    const readyToContinue = () =>
      historyIsFull(input.limits) &&
      allHandlersFinished() &&
      timeline.isSettled() &&
      !tools.hasRecordsInFlight() &&
      !awaitingStream;

    for (;;) {
      await condition(
        () => timedOut || conversationOver() || pendingTurns.length > 0 || readyToContinue(),
      );
      if (conversationOver()) break;
      if (timedOut) {
        hangUpReason = 'max_duration';
        break;
      }
      if (readyToContinue() && pendingTurns.length <= MAX_CARRIED_TURNS) {
        await continueCall(input, carryOver());
      }
      if (pendingTurns.length > 0) await saveTurnBatch();
    }
    hardStop.cancel();
  }

  /** Everything the next run needs to go on with the call where this one stands. */
  function carryOver(): CallContinuation {
    return {
      run: (carried?.run ?? 1) + 1,
      status,
      callSid,
      version: resolved,
      streamSid,
      durationSec,
      hangUpReason,
      hangUpDetail,
      answeredBy,
      conversationEndsAtMs: conversationDeadline(resolved),
      keypad: { lastEntry: keypadEntry, entries: keypadEntries },
      turns: {
        saved: savedTurns,
        unsaved: [...pendingTurns],
        received: Object.fromEntries(turnsReceived),
      },
      tools: tools.state(),
      escalation: escalation.state(),
      tenantEventsEmitted: [...tenantEventsEmitted],
      streams: {
        number: streamNumber,
        retired: retiredStream,
        recoveries: streamRecoveries,
        recentTurns: [...recentTurns],
      },
      patches: {
        tenantEvents: emitsTenantEvents,
        callTimeline: recordsTimeline,
        streamFailover: failsOver,
      },
    };
  }

  /** Saves the oldest pending turns; they leave the list only once stored. */
  async function saveTurnBatch(): Promise<void> {
    const batch = pendingTurns.slice(0, MAX_TURNS_PER_SAVE);
    await transcripts.saveTranscriptTurns({ ...ids, firstSequence: savedTurns + 1, turns: batch });
    pendingTurns.splice(0, batch.length);
    savedTurns += batch.length;
  }

  async function saveTurnsInBatchesUntilEnded(): Promise<void> {
    for (;;) {
      await condition(() => pendingTurns.length > 0 || (isEnded() && streamSid === undefined));
      if (pendingTurns.length === 0) return;
      await saveTurnBatch();
    }
  }

  /** How calls saved their turns before batches (their histories must still replay). */
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
