/** The bridge's line to a call's workflow: updates where it needs an answer, signals otherwise. */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { callWorkflowId } from '../workflows/ids.js';
import {
  attachMediaStreamUpdate,
  invokeToolUpdate,
  keypadEntrySignal,
  mediaStreamEndedSignal,
  requestHangUpUpdate,
  TOOL_REFUSED,
  toolRefusedSignal,
  transcriptTurnsSignal,
} from '../workflows/messages.js';
import type {
  KeypadEntry,
  MediaSessionConfig,
  ToolInvocation,
  ToolResult,
  TurnBatch,
} from '../workflows/types.js';
import type { RunProgress } from './delivery-policy.js';

export interface CallControl {
  attach(
    callId: string,
    stream: { streamSid: string; callSid: string; stream?: number },
  ): Promise<MediaSessionConfig>;
  /** Whole turns, batched and retried by media/workflow-deliveries.ts. */
  sendTurns(callId: string, batch: TurnBatch): Promise<void>;
  sendKeypadEntry(callId: string, entry: KeypadEntry): Promise<void>;
  /** Answers the model's output; a refused call answers status 'refused' and is recorded. */
  invokeTool(callId: string, invocation: ToolInvocation): Promise<ToolResult>;
  /** A model_* reason ends the call with the version's fallback message. */
  requestHangUp(callId: string, reason: string, detail?: string): Promise<boolean>;
  streamEnded(callId: string, stream: { streamSid: string; reason: string }): Promise<void>;
  /** How far the call's current run is (the bridge paces a stream of deliveries by it). */
  runProgress(callId: string): Promise<RunProgress>;
}

export function createCallControl(client: Client): CallControl {
  const handle = (callId: string) => client.workflow.getHandle(callWorkflowId(callId));
  return {
    attach: (callId, stream) =>
      handle(callId).executeUpdate(attachMediaStreamUpdate, { args: [stream] }),
    sendTurns: (callId, batch) => handle(callId).signal(transcriptTurnsSignal, batch),
    sendKeypadEntry: (callId, entry) => handle(callId).signal(keypadEntrySignal, entry),
    invokeTool: async (callId, invocation) => {
      try {
        return await handle(callId).executeUpdate(invokeToolUpdate, { args: [invocation] });
      } catch (error) {
        const reason = refusalReason(error);
        if (reason === undefined) throw error;
        // Refused in the validator, so nothing about it is in the history yet: hand it back.
        await handle(callId).signal(toolRefusedSignal, { ...invocation, reason });
        return { status: 'refused', output: JSON.stringify({ error: reason }) };
      }
    },
    requestHangUp: async (callId, reason, detail) =>
      (await handle(callId).executeUpdate(requestHangUpUpdate, { args: [{ reason, detail }] }))
        .accepted,
    streamEnded: (callId, stream) => handle(callId).signal(mediaStreamEndedSignal, stream),
    runProgress: async (callId) => {
      const description = await handle(callId).describe();
      return {
        historyLength: description.historyLength,
        workflowTaskPending: Boolean(description.raw.pendingWorkflowTask),
      };
    },
  };
}

function refusalReason(error: unknown): string | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause;
  return cause instanceof ApplicationFailure && cause.type === TOOL_REFUSED
    ? cause.message
    : undefined;
}
