/**
 * One-line summaries on the activities workflows schedule, so that a call's
 * history in the Temporal UI reads as its story ("record ringing", "dial
 * +1415***0123", "run tool check_order_status") rather than a column of
 * identical activity names. A summary is metadata on the command: it changes
 * nothing a replay compares. Never a full phone number, a transcript or tool
 * arguments: the history is readable by anyone with access to the namespace.
 */
import type { ActivityOptions } from '@temporalio/common';
import type { CallActivities } from '../activities/index.js';
import { maskPhoneNumber } from '../lib/redact.js';

type Describers = {
  [Name in keyof CallActivities]?: (input: Parameters<CallActivities[Name]>[0]) => string;
};

const DESCRIBE: Describers = {
  resolveAgentVersion: () => 'pick the agent version (rollout policy)',
  recordCallProgress: (progress) =>
    `record ${progress.event?.type ?? progress.status ?? 'progress'}`,
  placeCall: (call) => `dial ${maskPhoneNumber(call.to)}`,
  fetchCallStatus: () => 'ask Twilio for the call status',
  hangUpCall: (call) => (call.beforeAnswer ? 'cancel the ringing call' : 'hang up'),
  endCallWithMessage: () => 'say the last message, then hang up',
  saveTranscriptTurns: (batch) =>
    `save transcript turns ${batch.firstSequence}-${batch.firstSequence + batch.turns.length - 1}`,
  runTool: (run) => `run tool ${run.tool.name}`,
  recordFunctionCall: (call) => `record tool ${call.name}: ${call.result.status}`,
  finalizeCall: (final) => `record the end: ${final.status}, ${final.outcome}`,
  evaluateCall: () => 'evaluate the call (checks and judge)',
  recordTenantEvent: (event) => `store tenant event ${event.event}`,
  deliverTenantEvent: () => 'deliver to the tenant webhook',
  resolveHandoffTarget: (target) => `find the operator (${target.queue ?? 'first queue'})`,
  startColdTransfer: (transfer) => `cold transfer to ${maskPhoneNumber(transfer.operatorNumber)}`,
  holdCaller: () => 'put the caller on hold',
  callOperator: (leg) => `call the operator ${maskPhoneNumber(leg.operatorNumber)}`,
  connectCallerToOperator: () => 'connect the caller to the operator',
  apologizeAndHangUp: () => 'apologize, then hang up',
  createCallbackTask: (task) => `leave callback task ${task.taskId}`,
  loadCallbackPlan: (task) => `load callback task ${task.taskId}`,
  admitCallbackCall: (attempt) => `admit callback attempt ${attempt.attempt}`,
  recordCallbackAttempt: (attempt) => `record attempt ${attempt.attempt}: ${attempt.outcome}`,
  moveCallbackTask: (move) => `move the task to ${move.to}`,
};

/** Summaries are limited to 200 bytes by Temporal; ours stay far below. */
const MAX_SUMMARY_CHARS = 120;

export function summaryOf(name: string, input: unknown): string | undefined {
  const describe = DESCRIBE[name as keyof CallActivities] as ((input: never) => string) | undefined;
  if (!describe || input === null || typeof input !== 'object') return undefined;
  return describe(input as never).slice(0, MAX_SUMMARY_CHARS);
}

interface SchedulesActivity {
  (...args: unknown[]): Promise<unknown>;
  executeWithOptions(this: void, options: ActivityOptions, args: unknown[]): Promise<unknown>;
}

/** The same activities, each scheduled with its summary. */
export function withSummaries<Activities extends object>(activities: Activities): Activities {
  return new Proxy(activities, {
    get(target, name, receiver) {
      const activity = Reflect.get(target, name, receiver) as SchedulesActivity | undefined;
      if (typeof name !== 'string' || typeof activity !== 'function') return activity;
      const summarized = (...args: unknown[]) => {
        const summary = summaryOf(name, args[0]);
        return summary ? activity.executeWithOptions({ summary }, args) : activity(...args);
      };
      summarized.executeWithOptions = activity.executeWithOptions;
      return summarized;
    },
  });
}
