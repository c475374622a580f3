/** The bridge's line to a call's workflow: updates where it needs an answer, signals otherwise. */
import type { Client } from '@temporalio/client';
import { callWorkflowId } from '../workflows/ids.js';
import {
  attachMediaStreamUpdate,
  invokeToolUpdate,
  mediaStreamEndedSignal,
  requestHangUpUpdate,
  transcriptTurnSignal,
} from '../workflows/messages.js';
import type { MediaSessionConfig, ToolInvocation, ToolResult, TranscriptTurn } from '../workflows/types.js';

export interface CallControl {
  attach(callId: string, stream: { streamSid: string; callSid: string }): Promise<MediaSessionConfig>;
  sendTurn(callId: string, turn: TranscriptTurn): Promise<void>;
  invokeTool(callId: string, invocation: ToolInvocation): Promise<ToolResult>;
  requestHangUp(callId: string, reason: string): Promise<boolean>;
  streamEnded(callId: string, stream: { streamSid: string; reason: string }): Promise<void>;
}

export function createCallControl(client: Client): CallControl {
  const handle = (callId: string) => client.workflow.getHandle(callWorkflowId(callId));
  return {
    attach: (callId, stream) => handle(callId).executeUpdate(attachMediaStreamUpdate, { args: [stream] }),
    sendTurn: (callId, turn) => handle(callId).signal(transcriptTurnSignal, turn),
    invokeTool: (callId, invocation) => handle(callId).executeUpdate(invokeToolUpdate, { args: [invocation] }),
    requestHangUp: async (callId, reason) =>
      (await handle(callId).executeUpdate(requestHangUpUpdate, { args: [{ reason }] })).accepted,
    streamEnded: (callId, stream) => handle(callId).signal(mediaStreamEndedSignal, stream),
  };
}
