/** How queues and callback tasks look in API answers, with links to the call they came from. */
import type { CallbackTaskRow, QueueRow } from '../../db/callbacks.js';
import { nextBusinessTime, isOpen, type BusinessHours } from '../../workflows/callback-schedule.js';
import { temporalUiLink } from '../calls/present.js';

interface LinkContext {
  temporalUiUrl: string;
  namespace: string;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export function presentQueue(queue: QueueRow, activeTasks: number, now = new Date()) {
  const hours = queue.business_hours as BusinessHours;
  return {
    id: queue.id,
    name: queue.name,
    operator_number: queue.operator_number,
    time_zone: queue.time_zone,
    business_hours: queue.business_hours,
    members: queue.members,
    capacity: queue.capacity,
    open_now: isOpen(now, queue.time_zone, hours),
    next_open_at: iso(nextBusinessTime(now, queue.time_zone, hours)),
    active_tasks: activeTasks,
  };
}

export function presentCallback(task: CallbackTaskRow, context: LinkContext) {
  const call = task.call_id ? `/api/v1/call-logs/${task.call_id}` : null;
  return {
    id: task.id,
    status: task.status,
    queue_id: task.queue_id,
    phone_number: task.phone_number,
    reason: task.reason,
    source: task.source,
    mode: task.mode,
    due_at: iso(task.due_at),
    attempts: task.attempts,
    claimed_by: task.claimed_by,
    disposition: task.disposition,
    workflow_id: task.workflow_id,
    call_id: task.call_id,
    last_call_id: task.last_call_id,
    created_at: task.created_at.toISOString(),
    links: {
      self: `/api/v1/callbacks/${task.id}`,
      call,
      transcript: call ? `${call}/transcript` : null,
      evaluation: call ? `${call}/evaluation` : null,
      temporal_ui: task.workflow_id ? temporalUiLink(context, task.workflow_id) : null,
    },
  };
}
