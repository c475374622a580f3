/**
 * The call workflow's messages, defined once and imported by the workflow,
 * the API and the media bridge. Updates where the caller needs an answer,
 * signals where it does not, a query for reads.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CallStatus,
  MediaSessionConfig,
  ToolInvocation,
  ToolResult,
  TranscriptTurn,
  TwilioStatusEvent,
} from './types.js';

/** Twilio's status callback, relayed by the API. */
export const twilioStatusSignal = defineSignal<[TwilioStatusEvent]>('twilioStatus');

/** One whole transcript turn from the bridge; never a fragment or a frame. */
export const transcriptTurnSignal = defineSignal<[TranscriptTurn]>('transcriptTurn');

/** The media stream closed (the bridge saw `stop` or lost the socket). */
export const mediaStreamEndedSignal =
  defineSignal<[{ streamSid: string; reason: string }]>('mediaStreamEnded');

/** The bridge claims the call's media; answers the model session's configuration. */
export const attachMediaStreamUpdate = defineUpdate<
  MediaSessionConfig,
  [{ streamSid: string; callSid: string }]
>('attachMediaStream');

/** The model called a function; answers the output for the model. */
export const invokeToolUpdate = defineUpdate<ToolResult, [ToolInvocation]>('invokeTool');

/** End the call now (the agent's goodbye played, or the tenant asked). */
export const requestHangUpUpdate = defineUpdate<{ accepted: boolean }, [{ reason: string }]>(
  'requestHangUp',
);

export interface CallStateView {
  status: CallStatus;
  callSid?: string;
  agentVersionId?: string;
  streamSid?: string;
  turns: number;
  toolRuns: number;
  phase: 'routing' | 'dialing' | 'connected' | 'handoff' | 'ending' | 'wrap-up' | 'done';
}

export const callStateQuery = defineQuery<CallStateView>('callState');
