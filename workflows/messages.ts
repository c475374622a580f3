/**
 * The call workflow's messages, defined once and imported by the workflow,
 * the API and the media bridge. Updates where the caller needs an answer,
 * signals where it does not, a query for reads.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CallStatus,
  KeypadEntry,
  MachineDetectionEvent,
  MediaSessionConfig,
  ToolInvocation,
  ToolRefusal,
  ToolResult,
  TranscriptTurn,
  TurnBatch,
  TwilioStatusEvent,
} from './types.js';

/** Twilio's status callback, relayed by the API. */
export const twilioStatusSignal = defineSignal<[TwilioStatusEvent]>('twilioStatus');

/** Twilio's asynchronous answering machine detection result, relayed by the API. */
export const machineDetectionSignal = defineSignal<[MachineDetectionEvent]>('machineDetection');

/** One whole keypad entry from the bridge; never a single key press. */
export const keypadEntrySignal = defineSignal<[KeypadEntry]>('keypadEntry');

/** The bridge hands back a function call the invokeTool validator refused, to be recorded. */
export const toolRefusedSignal = defineSignal<[ToolRefusal]>('toolRefused');

/**
 * Whole transcript turns from the bridge, in the order spoken; never a fragment or a frame.
 * The bridge batches them (media/workflow-deliveries.ts) so a long call stays within
 * Temporal's history limits (C13).
 */
export const transcriptTurnsSignal = defineSignal<[TurnBatch]>('transcriptTurns');

/**
 * One turn per signal, as bridges sent them before transcriptTurns: still handled, so calls
 * whose histories hold it keep replaying.
 */
export const transcriptTurnSignal = defineSignal<[TranscriptTurn]>('transcriptTurn');

/** The media stream closed (the bridge saw `stop` or lost the socket). */
export const mediaStreamEndedSignal =
  defineSignal<[{ streamSid: string; reason: string }]>('mediaStreamEnded');

/** The bridge claims the call's media; answers the model session's configuration. */
export const attachMediaStreamUpdate = defineUpdate<
  MediaSessionConfig,
  [{ streamSid: string; callSid: string }]
>('attachMediaStream');

/**
 * The model called a function; answers the output for the model. Its validator
 * refuses a tool the version does not allow, or a protected tool before the
 * caller's identity is verified, with an ApplicationFailure of type TOOL_REFUSED.
 */
export const invokeToolUpdate = defineUpdate<ToolResult, [ToolInvocation]>('invokeTool');

/** The failure type of a refused tool call; the bridge branches on it. */
export const TOOL_REFUSED = 'ToolRefused';

/**
 * End the call now: the agent's goodbye played, a guard fired, the tenant
 * asked, or the model failed (a model_* reason: the caller hears the fallback).
 */
export const requestHangUpUpdate = defineUpdate<
  { accepted: boolean },
  [{ reason: string; detail?: string }]
>('requestHangUp');

export interface CallStateView {
  status: CallStatus;
  callSid?: string;
  agentVersionId?: string;
  streamSid?: string;
  turns: number;
  toolRuns: number;
  /** Which run of the workflow answers: 1, then one more after each continue-as-new. */
  run: number;
  phase: 'routing' | 'dialing' | 'connected' | 'handoff' | 'ending' | 'wrap-up' | 'done';
}

export const callStateQuery = defineQuery<CallStateView>('callState');
