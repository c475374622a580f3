/**
 * When and how a long call hands its history over to a new run (C13).
 * Temporal terminates a run past 51,200 events or 50 MB and refuses signals
 * past 10,000 per run; the server's continue-as-new suggestion looks at
 * events and bytes but not at signals, so the call also counts its events.
 * Temporal fails the closing workflow task whenever a signal arrives during
 * it (the new signal must be seen first), so a run that keeps receiving
 * signals cannot close: the bridge pauses for such a run
 * (media/delivery-policy.ts), and signals are never lost either way.
 */
import { log, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import {
  DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS,
  type CallContinuation,
  type CallHistoryLimits,
} from './continuation-types.js';
import type { CallSummary, CallWorkflowInput } from './types.js';
/**
 * Turns still unsaved when the run is ready to hand over travel in the next run's input; more
 * than this are saved first so the input stays small.
 */
export const MAX_CARRIED_TURNS = 200;

export function historyIsFull(limits: CallHistoryLimits | undefined): boolean {
  const info = workflowInfo();
  const threshold = limits?.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
  return info.continueAsNewSuggested || info.historyLength >= threshold;
}

/** Ends this run; the call goes on in a new run of the same workflow id, with the same input. */
export async function continueCall(
  input: CallWorkflowInput,
  continuation: CallContinuation,
): Promise<never> {
  const info = workflowInfo();
  log.info('the call continues as new', {
    callId: input.callId,
    run: continuation.run,
    historyLength: info.historyLength,
    historySizeBytes: info.historySize,
  });
  // The new run keeps what operators filter and read by in the Temporal UI.
  const next = makeContinueAsNewFunc<(input: CallWorkflowInput) => Promise<CallSummary>>({
    typedSearchAttributes: info.typedSearchAttributes,
    memo: info.memo,
  });
  return next({ ...input, continuation });
}
