/** The callback workflow's messages, shared by the workflow and the API. */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** An operator completed or canceled the task: no more attempts. */
export const stopCallbackSignal =
  defineSignal<[{ status: 'completed' | 'canceled' }]>('stopCallback');

/** Try now rather than at the next scheduled time. */
export const retryCallbackSignal = defineSignal<[]>('retryCallback');

export interface CallbackStateView {
  attempts: number;
  phase: 'waiting' | 'calling' | 'done';
  nextAttemptAt?: string;
}

export const callbackStateQuery = defineQuery<CallbackStateView>('callbackState');
