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

/**
 * The bridge claims the call's media; answers the model session's configuration. `stream` is
 * which stream of the call the claim is for (its token says so): 1, or the number the call
 * handed out when it replaced a lost stream.
 */
export const attachMediaStreamUpdate = defineUpdate<
  MediaSessionConfig,
  [{ streamSid: string; callSid: string; stream?: number }]
>('attachMediaStream');

/**
 * What the call does once its stream has ended while Twilio still holds the call (Twilio asks,
 * through `<Connect action>`): open a replacement stream (the bridge carrying it died), hold the
 * line for the workflow's own last move (it is already ending the call or handing it over), or
 * hang up.
 */
export type StreamRecovery =
  { action: 'reconnect'; stream: number } | { action: 'hold' } | { action: 'hang-up' };

/** Twilio reports the call's stream ended, relayed by the API; answers what Twilio does next. */
export const mediaStreamLostUpdate = defineUpdate<StreamRecovery, [{ callSid: string }]>(
  'mediaStreamLost',
);

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
  /** Which stream of the call is (or is next to be) connected: more than 1 after a failover. */
  stream?: number;
  phase: 'routing' | 'dialing' | 'connected' | 'handoff' | 'ending' | 'wrap-up' | 'done';
}

export const callStateQuery = defineQuery<CallStateView>('callState');
