/** Plain data for callback tasks, shared by the callback workflow, its activities and the API. */
import type { QuietHours } from './callback-schedule.js';

export interface CallbackPolicyView {
  max_attempts: number;
  spacing_sec: number;
  time_zone: string;
  quiet_hours: QuietHours | null;
}

export interface NewCallbackTaskInput {
  taskId: string;
  tenantId: string;
  queueId?: string | null;
  callId?: string | null;
  phoneNumber: string;
  fromNumber: string;
  agentId?: string | null;
  agentVersionId?: string | null;
  reason: string;
  source: 'agent' | 'handoff' | 'api';
  mode: 'call' | 'notify_queue';
  status: 'scheduled' | 'open';
  dueAt?: string | null;
}

export interface CallbackPlan {
  phoneNumber: string;
  fromNumber: string;
  agentId?: string;
  agentVersionId?: string;
  mode: 'call' | 'notify_queue';
  queueId?: string;
  callId?: string;
  reason: string;
  dueAt?: string;
  attempts: number;
  finished: boolean;
  policy: CallbackPolicyView;
}

export interface CallbackWorkflowInput {
  tenantId: string;
  taskId: string;
  /** An operator's retry of a failed task: one more attempt, now. */
  maxAttempts?: number;
  dueNow?: boolean;
}

export type CallbackOutcome = 'completed' | 'canceled' | 'failed' | 'queued';
