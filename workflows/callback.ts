/**
 * One callback task: wait on a durable timer until it is due (outside the
 * tenant's quiet hours), then place the call through the same admission and
 * call workflow as make-call, or hand the task to its queue. Unreached
 * callees are tried again per the tenant's policy, until an operator
 * completes or cancels the task.
 */
import { condition, executeChild, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import {
  callbackStateQuery,
  retryCallbackSignal,
  stopCallbackSignal,
  type CallbackStateView,
} from './callback-messages.js';
import { nextCallableTime } from './callback-schedule.js';
import type { CallbackOutcome, CallbackWorkflowInput } from './callback-types.js';
import { withSummaries } from './activity-summaries.js';
import { callStartOptions } from './call-start.js';
import { emitTenantEvent } from './tenant-events.js';
import type { CallSummary, CallWorkflowInput } from './types.js';
import { RECORD_WRITE_OPTIONS } from './record-writes.js';

const store = withSummaries(proxyActivities<CallActivities>(RECORD_WRITE_OPTIONS));

export async function callbackWorkflow(input: CallbackWorkflowInput): Promise<CallbackOutcome> {
  let stopped: 'completed' | 'canceled' | undefined;
  let retryRequested = false;
  let attempts = 0;
  let phase: CallbackStateView['phase'] = 'waiting';
  let dueAtMs = Date.now();

  setHandler(stopCallbackSignal, ({ status }) => {
    stopped ??= status;
  });
  setHandler(retryCallbackSignal, () => {
    retryRequested = true;
  });
  setHandler(callbackStateQuery, () => ({
    attempts,
    phase,
    nextAttemptAt: phase === 'waiting' ? new Date(dueAtMs).toISOString() : undefined,
  }));

  const task = { tenantId: input.tenantId, taskId: input.taskId };
  const plan = await store.loadCallbackPlan(task);
  if (plan.finished) return finish('canceled');
  attempts = plan.attempts;
  if (plan.dueAt && !input.dueNow) dueAtMs = Date.parse(plan.dueAt);
  const { policy } = plan;
  const maxAttempts = input.maxAttempts ?? policy.max_attempts;

  while (attempts < maxAttempts) {
    // Waiting: a durable timer, cut short by an operator's retry or stop.
    phase = 'waiting';
    dueAtMs = nextCallableTime(new Date(dueAtMs), policy.time_zone, policy.quiet_hours).getTime();
    await condition(
      () => stopped !== undefined || retryRequested,
      Math.max(1, dueAtMs - Date.now()),
    );
    retryRequested = false;
    if (stopped) return finish(stopped);

    // Due: tell the tenant, then hand the task to its queue or place the call.
    await emitTenantEvent(input.tenantId, 'voice.callback.due', {
      callback_task_id: input.taskId,
      call_id: plan.callId ?? null,
      queue_id: plan.queueId ?? null,
      attempt: attempts + 1,
    });
    if (plan.mode === 'notify_queue') {
      await store.moveCallbackTask({ ...task, from: ['scheduled'], to: 'open' });
      return finish('queued');
    }

    const admission = await store.admitCallbackCall({ ...task, attempt: attempts + 1 });
    if (!admission.admitted) {
      // Over the tenant's limits: wait as make-call's Retry-After says, without using an attempt.
      dueAtMs = Date.now() + admission.retryAfterSec * 1_000;
      continue;
    }
    attempts += 1;
    phase = 'calling';
    const summary = await placeCall(admission.callId);
    await store.recordCallbackAttempt({
      ...task,
      attempt: attempts,
      callId: admission.callId,
      outcome: summary.status,
    });

    if (summary.status === 'completed') {
      await store.moveCallbackTask({
        ...task,
        from: ['calling'],
        to: 'completed',
        disposition: 'reached',
      });
      return finish('completed');
    }
    if (stopped) return finish(stopped);
    await store.moveCallbackTask({ ...task, from: ['calling'], to: 'scheduled' });
    dueAtMs = Date.now() + policy.spacing_sec * 1_000;
  }

  await store.moveCallbackTask({
    ...task,
    from: ['scheduled', 'calling', 'open'],
    to: 'failed',
    disposition: 'attempts_exhausted',
  });
  return finish('failed');

  function finish(outcome: CallbackOutcome): CallbackOutcome {
    phase = 'done';
    return outcome;
  }

  function placeCall(callId: string): Promise<CallSummary> {
    const callInput: CallWorkflowInput = {
      callId,
      tenantId: input.tenantId,
      direction: 'outbound',
      from: plan.fromNumber,
      to: plan.phoneNumber,
      agentId: plan.agentId,
      agentVersionId: plan.agentVersionId,
    };
    return executeChild('callWorkflow', {
      ...callStartOptions(callInput, { callbackTaskId: input.taskId }),
      args: [callInput],
    });
  }
}
