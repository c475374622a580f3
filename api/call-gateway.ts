/**
 * The API's door to Temporal: starts call workflows and sends them messages.
 * Connects lazily and reconnects, so the API keeps serving (with 503s) while
 * Temporal is away, instead of failing to boot.
 */
import {
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { DependencyUnavailableError } from '../lib/errors.js';
import { callStartOptions } from '../workflows/call-start.js';
import { retryCallbackSignal, stopCallbackSignal } from '../workflows/callback-messages.js';
import type { CallbackWorkflowInput } from '../workflows/callback-types.js';
import { callbackWorkflowId, callWorkflowId, notificationWorkflowId } from '../workflows/ids.js';
import { handoffDialedSignal } from '../workflows/handoff-messages.js';
import type { HandoffDialEvent } from '../workflows/handoff-types.js';
import {
  machineDetectionSignal,
  mediaStreamLostUpdate,
  requestHangUpUpdate,
  twilioStatusSignal,
  type StreamRecovery,
} from '../workflows/messages.js';
import type { NotificationWorkflowInput } from '../workflows/notification-types.js';
import { TENANT_ID, WORKFLOW_KIND } from '../workflows/search-attributes.js';
import type {
  CallWorkflowInput,
  MachineDetectionEvent,
  TwilioStatusEvent,
} from '../workflows/types.js';

export interface CallGateway {
  startCall(input: CallWorkflowInput): Promise<{ workflowId: string }>;
  signalStatus(callId: string, event: TwilioStatusEvent): Promise<'delivered' | 'no_such_call'>;
  signalMachineDetection(
    callId: string,
    event: MachineDetectionEvent,
  ): Promise<'delivered' | 'no_such_call'>;
  requestHangUp(callId: string, reason: string): Promise<boolean>;
  /** Twilio reports the call's stream ended: what the call does next (bridge failover). */
  recoverStream(callId: string, report: { callSid: string }): Promise<StreamRecovery>;
  ping(): Promise<void>;
  signalHandoffDial(callId: string, event: HandoffDialEvent): Promise<'delivered' | 'no_such_call'>;
  /**
   * Starts the task's callback workflow, or joins the run already going. `afterRunEnds`: a run
   * that is finishing (it has already recorded the task failed) is waited for, and a new run
   * starts after it: a retry must never join a run that is about to end.
   */
  startCallback(
    input: CallbackWorkflowInput,
    options?: { afterRunEnds?: boolean },
  ): Promise<{ workflowId: string }>;
  /** False when the callback workflow has already finished. */
  signalCallback(
    taskId: string,
    message: { stop: 'completed' | 'canceled' } | { retry: true },
  ): Promise<boolean>;
  /** Delivers a stored event again, with the same event id, in a workflow of its own. */
  redeliverNotification(
    input: NotificationWorkflowInput,
    retry: number,
  ): Promise<{ workflowId: string }>;
}

/**
 * How long one request to Temporal may take, its retries included. The SDK retries an
 * unreachable server for about 15 s, as long as Twilio waits for a webhook: an inbound
 * caller must hear the polite answer well before that.
 */
export const DEFAULT_TEMPORAL_REQUEST_TIMEOUT_MS = 5_000;

export function createCallGateway(
  connect: () => Promise<Client>,
  taskQueue: string,
  requestTimeoutMs = DEFAULT_TEMPORAL_REQUEST_TIMEOUT_MS,
): CallGateway {
  let client: Promise<Client> | undefined;

  async function withClient<T>(work: (c: Client) => Promise<T>): Promise<T> {
    client ??= connect();
    let connected: Client;
    try {
      connected = await client;
    } catch (error) {
      client = undefined;
      throw new DependencyUnavailableError('temporal', { cause: error });
    }
    const deadline = Date.now() + requestTimeoutMs;
    try {
      return await connected.connection.withDeadline(deadline, () => work(connected));
    } catch (error) {
      // Past the deadline, however the call ended (an update's wait is CANCELLED), Temporal is
      // too slow to answer: a dependency outage (503), never an internal error.
      if (isUnavailable(error) || Date.now() >= deadline)
        throw new DependencyUnavailableError('temporal', { cause: error });
      throw error;
    }
  }

  return {
    startCall: (input) =>
      withClient(async (c) => {
        const start = callStartOptions(input);
        await c.workflow.start('callWorkflow', {
          ...start,
          taskQueue,
          args: [input],
          // A retried webhook or request joins the call already running.
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        });
        return { workflowId: start.workflowId };
      }),

    signalStatus: (callId, event) =>
      withClient(async (c) => {
        try {
          await c.workflow.getHandle(callWorkflowId(callId)).signal(twilioStatusSignal, event);
          return 'delivered';
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return 'no_such_call';
          throw error;
        }
      }),

    signalMachineDetection: (callId, event) =>
      withClient(async (c) => {
        try {
          await c.workflow.getHandle(callWorkflowId(callId)).signal(machineDetectionSignal, event);
          return 'delivered';
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return 'no_such_call';
          throw error;
        }
      }),

    requestHangUp: (callId, reason) =>
      withClient(async (c) => {
        try {
          const result = await c.workflow
            .getHandle(callWorkflowId(callId))
            .executeUpdate(requestHangUpUpdate, { args: [{ reason }] });
          return result.accepted;
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return false;
          throw error;
        }
      }),

    recoverStream: (callId, report) =>
      withClient(async (c) => {
        try {
          return await c.workflow
            .getHandle(callWorkflowId(callId))
            .executeUpdate(mediaStreamLostUpdate, { args: [report] });
        } catch (error) {
          // No such call, or a report the call refused (another call's sid): nothing to go on with.
          if (error instanceof WorkflowNotFoundError || error instanceof WorkflowUpdateFailedError)
            return { action: 'hang-up' };
          throw error;
        }
      }),

    signalHandoffDial: (callId, event) =>
      withClient(async (c) => {
        try {
          await c.workflow.getHandle(callWorkflowId(callId)).signal(handoffDialedSignal, event);
          return 'delivered';
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return 'no_such_call';
          throw error;
        }
      }),

    startCallback: (input, options) =>
      withClient(async (c) => {
        const workflowId = callbackWorkflowId(input.taskId);
        if (options?.afterRunEnds) {
          // Bounded by the request deadline: a run that never ends is a 503, and the retry can
          // be asked for again.
          await c.workflow
            .getHandle(workflowId)
            .result()
            .catch((error: unknown) => {
              if (isUnavailable(error)) throw error;
              // Not found, failed or terminated: the run is over either way.
            });
        }
        await c.workflow.start('callbackWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          typedSearchAttributes: [
            { key: TENANT_ID, value: input.tenantId },
            { key: WORKFLOW_KIND, value: 'callback' },
          ],
          staticSummary: `callback task ${input.taskId}`,
        });
        return { workflowId };
      }),

    signalCallback: (taskId, message) =>
      withClient(async (c) => {
        const handle = c.workflow.getHandle(callbackWorkflowId(taskId));
        try {
          if ('stop' in message) await handle.signal(stopCallbackSignal, { status: message.stop });
          else await handle.signal(retryCallbackSignal);
          return true;
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return false;
          throw error;
        }
      }),

    redeliverNotification: (input, retry) =>
      withClient(async (c) => {
        const workflowId = notificationWorkflowId(input.deliveryId, retry);
        await c.workflow.start('notificationWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          typedSearchAttributes: [
            { key: TENANT_ID, value: input.tenantId },
            { key: WORKFLOW_KIND, value: 'notification' },
          ],
        });
        return { workflowId };
      }),

    ping: () =>
      withClient(async (c) => {
        await c.workflowService.getSystemInfo({});
      }),
  };
}

/** gRPC UNAVAILABLE / DEADLINE_EXCEEDED, an update's wait cut short, or no connection at all. */
function isUnavailable(error: unknown): boolean {
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } }).code ??
    (error as { cause?: { code?: unknown } }).cause?.code;
  return (
    code === 14 ||
    code === 4 ||
    (error instanceof Error && /UNAVAILABLE|DEADLINE_EXCEEDED|connect/i.test(error.message))
  );
}
