/**
 * Callback tasks, as the callback workflow and the call workflow's handoff
 * need them. A callback call goes through the same admission as make-call
 * (the tenant's concurrent and per-minute limits) and is recorded the same way.
 */
import { admitCall } from '../api/call-admission.js';
import * as callbacks from '../db/callbacks.js';
import { insertCall } from '../db/calls.js';
import type { Database } from '../db/database.js';
import { callbackWorkflowId, callWorkflowId } from '../workflows/ids.js';
import type { CallbackPlan, NewCallbackTaskInput } from '../workflows/callback-types.js';

export function createCallbackActivities(db: Database) {
  return {
    async createCallbackTask(
      input: NewCallbackTaskInput,
    ): Promise<{ taskId: string; workflowId: string }> {
      const workflowId = callbackWorkflowId(input.taskId);
      await callbacks.insertCallbackTask(db, { ...input, id: input.taskId, workflowId });
      return { taskId: input.taskId, workflowId };
    },

    async loadCallbackPlan(input: { tenantId: string; taskId: string }): Promise<CallbackPlan> {
      const task = await callbacks.findCallbackTask(db, input.tenantId, input.taskId);
      if (!task) throw new Error(`callback task ${input.taskId} not found`);
      const policy = await callbacks.findCallbackPolicy(db, input.tenantId);
      return {
        phoneNumber: task.phone_number,
        fromNumber: task.from_number,
        agentId: task.agent_id ?? undefined,
        agentVersionId: task.agent_version_id ?? undefined,
        mode: task.mode,
        queueId: task.queue_id ?? undefined,
        callId: task.call_id ?? undefined,
        reason: task.reason,
        dueAt: task.due_at?.toISOString(),
        attempts: task.attempts,
        finished: callbacks.FINISHED_STATUSES.has(task.status),
        policy,
      };
    },

    /** Records the attempt's call if the tenant's limits admit it; the same call on a retry. */
    async admitCallbackCall(input: {
      tenantId: string;
      taskId: string;
      attempt: number;
    }): Promise<
      { admitted: true; callId: string } | { admitted: false; retryAfterSec: number; limit: string }
    > {
      const callId = `call_${input.taskId.slice('cbt_'.length)}_a${input.attempt}`;
      return db.transaction(async (client) => {
        const existing = await client.query('SELECT 1 FROM calls WHERE id = $1', [callId]);
        if (existing.rowCount) return { admitted: true as const, callId };

        const task = await callbacks.findCallbackTask(client, input.tenantId, input.taskId);
        if (!task) throw new Error(`callback task ${input.taskId} not found`);
        const admission = await admitCall(client, input.tenantId);
        if (!admission.admitted) {
          return {
            admitted: false as const,
            retryAfterSec: admission.retryAfterSec,
            limit: admission.limit,
          };
        }
        await insertCall(client, {
          id: callId,
          tenantId: input.tenantId,
          direction: 'outbound',
          status: 'queued',
          from: task.from_number,
          to: task.phone_number,
          agentId: task.agent_id ?? undefined,
          workflowId: callWorkflowId(callId),
          metadata: { callback_task_id: task.id, attempt: input.attempt },
        });
        await callbacks.moveCallbackTask(
          client,
          input.tenantId,
          input.taskId,
          ['scheduled', 'open'],
          {
            status: 'calling',
          },
        );
        return { admitted: true as const, callId };
      });
    },

    async recordCallbackAttempt(input: {
      tenantId: string;
      taskId: string;
      attempt: number;
      callId: string | null;
      outcome: string;
    }): Promise<void> {
      await callbacks.recordCallbackAttempt(db, input);
    },

    async moveCallbackTask(input: {
      tenantId: string;
      taskId: string;
      from: callbacks.CallbackStatus[];
      to: callbacks.CallbackStatus;
      disposition?: string;
    }): Promise<boolean> {
      const moved = await callbacks.moveCallbackTask(db, input.tenantId, input.taskId, input.from, {
        status: input.to,
        disposition: input.disposition,
      });
      return moved !== undefined;
    },
  };
}
