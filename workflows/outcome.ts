/**
 * How a call ended, as its record states it: Twilio's final status for calls
 * that never connected, `voicemail` when a machine answered, `failed` when
 * the model failed under a connected call, `completed` otherwise.
 */
import type { CallStatus, VoicemailPolicy } from './types.js';

/** Hang-up reasons of a failing model: the caller hears the version's fallback message. */
export const MODEL_FAILURE_REASONS: ReadonlySet<string> = new Set([
  'model_unavailable',
  'model_protocol_mismatch',
  'model_configuration_error',
]);

export const CALL_OUTCOMES = [
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
  'voicemail',
] as const;

export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export function callOutcome(
  status: CallStatus,
  answeredBy: string | undefined,
  endReason: string,
): CallOutcome {
  if (status === 'busy' || status === 'no-answer' || status === 'failed' || status === 'canceled') {
    return status;
  }
  if (isMachine(answeredBy)) return 'voicemail';
  // The model failed, or the call's media was lost and never came back.
  if (MODEL_FAILURE_REASONS.has(endReason) || endReason === 'media_lost') return 'failed';
  return 'completed';
}

export function isMachine(answeredBy: string | undefined): boolean {
  return answeredBy !== undefined && (answeredBy.startsWith('machine') || answeredBy === 'fax');
}

/** Twilio's detection mode for a policy: leaving a message waits for the beep. */
export function machineDetectionFor(
  policy: VoicemailPolicy | undefined,
): 'Enable' | 'DetectMessageEnd' | undefined {
  if (!policy) return undefined;
  return policy.policy === 'leave_message' ? 'DetectMessageEnd' : 'Enable';
}

/** The hang-up reason a detected machine calls for, if any. */
export function voicemailHangUpReason(
  policy: VoicemailPolicy | undefined,
  answeredBy: string,
): string | undefined {
  if (!policy || !isMachine(answeredBy)) return undefined;
  if (answeredBy === 'fax') return 'fax_answered';
  // 'Enable' reports machine_start before the greeting ends; only a beep lets a message be left.
  if (policy.policy === 'leave_message' && answeredBy !== 'machine_start')
    return 'voicemail_message_left';
  return 'voicemail_hang_up';
}
