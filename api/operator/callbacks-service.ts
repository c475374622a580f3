/**
 * Callback tasks through the API: created (recorded and its workflow started,
 * all or nothing), claimed by one operator at a time, completed, canceled,
 * retried. Every change that ends the task also stops its workflow.
 */
import * as callbacks from '../../db/callbacks.js';
import { findCall } from '../../db/calls.js';
import type { Database } from '../../db/database.js';
import { BusinessRuleError, ConflictError, NotFoundError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { nextBusinessTime } from '../../workflows/callback-schedule.js';
import type { CallGateway } from '../call-gateway.js';
import { resolveCallRouting } from '../calls/resolve-agent.js';
import type { createCallbackBody } from './schemas.js';
import type { z } from 'zod';

export interface CallbackServiceDependencies {
  db: Database;
  calls: CallGateway;
}

const LIVE: callbacks.CallbackStatus[] = ['open', 'claimed', 'scheduled', 'calling'];

export function createCallbackService(deps: CallbackServiceDependencies) {
  const { db } = deps;

  async function load(tenantId: string, taskId: string) {
    const task = await callbacks.findCallbackTask(db, tenantId, taskId);
    if (!task) throw new NotFoundError('callback task');
    return task;
  }

  async function move(
    tenantId: string,
    taskId: string,
    from: callbacks.CallbackStatus[],
    change: Parameters<typeof callbacks.moveCallbackTask>[4],
    refusal: string,
  ) {
    const task = await load(tenantId, taskId);
    const moved = await callbacks.moveCallbackTask(db, tenantId, taskId, from, change);
    if (!moved) throw new ConflictError(`the task is ${task.status}: ${refusal}`);
    return moved;
  }

  return {
    load,

    async create(tenantId: string, body: z.output<typeof createCallbackBody>) {
      const routing = await resolveCallRouting(db, tenantId, body);
      const queue = body.queue_id
        ? await callbacks.findQueue(db, tenantId, body.queue_id)
        : undefined;
      if (body.queue_id && !queue) throw new NotFoundError('queue');
      if (body.call_id && !(await findCall(db, tenantId, body.call_id)))
        throw new NotFoundError('call');
      if (queue && body.mode === 'notify_queue') {
        const active = await callbacks.countActiveTasks(db, tenantId, queue.id);
        if (active >= queue.capacity)
          throw new BusinessRuleError('queue_full', 'the queue is at capacity');
      }
      const dueAt =
        body.due_at ??
        (queue
          ? nextBusinessTime(new Date(), queue.time_zone, queue.business_hours)
          : null
        )?.toISOString() ??
        new Date().toISOString();

      const taskId = newId('cbt');
      return db.transaction(async (client) => {
        const task = await callbacks.insertCallbackTask(client, {
          id: taskId,
          tenantId,
          queueId: queue?.id,
          callId: body.call_id,
          phoneNumber: body.phone_number,
          fromNumber: body.from,
          agentId: routing.agentId,
          agentVersionId: routing.agentVersionId,
          reason: body.reason,
          source: 'api',
          mode: body.mode,
          status: 'scheduled',
          dueAt,
          workflowId: `callback-${taskId}`,
        });
        // Started inside the transaction: if Temporal is down nothing is committed (503).
        await deps.calls.startCallback({ tenantId, taskId });
        return task;
      });
    },

    async claim(tenantId: string, taskId: string, operator: string) {
      const task = await load(tenantId, taskId);
      const queue = task.queue_id
        ? await callbacks.findQueue(db, tenantId, task.queue_id)
        : undefined;
      if (queue && queue.members.length > 0 && !queue.members.includes(operator)) {
        throw new BusinessRuleError(
          'not_a_member',
          'the operator is not a member of the task queue',
        );
      }
      return move(
        tenantId,
        taskId,
        ['open'],
        { status: 'claimed', claimedBy: operator },
        'only an open task can be claimed',
      );
    },

    async complete(tenantId: string, taskId: string, disposition: string) {
      const moved = await move(
        tenantId,
        taskId,
        LIVE,
        { status: 'completed', disposition },
        'it has already ended',
      );
      await deps.calls.signalCallback(taskId, { stop: 'completed' });
      return moved;
    },

    async cancel(tenantId: string, taskId: string, reason?: string) {
      const moved = await move(
        tenantId,
        taskId,
        LIVE,
        { status: 'canceled', disposition: reason ?? 'canceled' },
        'it has already ended',
      );
      await deps.calls.signalCallback(taskId, { stop: 'canceled' });
      return moved;
    },

    /** A waiting task is tried now; a failed one gets one more attempt. */
    async retry(tenantId: string, taskId: string) {
      const task = await load(tenantId, taskId);
      if (task.status === 'scheduled') {
        if (await deps.calls.signalCallback(taskId, { retry: true })) return task;
      }
      const moved = await move(
        tenantId,
        taskId,
        ['failed', 'scheduled'],
        { status: 'scheduled' },
        'only a waiting or failed task can be retried',
      );
      // A failed task's run records `failed` just before it ends: the retry starts after it.
      await deps.calls.startCallback(
        { tenantId, taskId, maxAttempts: task.attempts + 1, dueNow: true },
        { afterRunEnds: true },
      );
      return moved;
    },
  };
}
