/** Plain data for a handoff to a human, shared by the call workflow, its activities and the API. */

export type HandoffMode = 'cold' | 'warm';

export type HandoffOutcome =
  | 'connected'
  | 'busy'
  | 'no_answer'
  | 'failed'
  | 'out_of_hours'
  | 'queue_full'
  | 'no_operator'
  | 'caller_left';

export interface HandoffRequest {
  mode: HandoffMode;
  reason: string;
  /** A queue name; the tenant's first queue with an operator number when absent. */
  queue?: string;
  /** What started it: the tool, or an escalation rule's id. */
  trigger: string;
}

/** Twilio's `<Dial action>` report, relayed by the API. */
export interface HandoffDialEvent {
  dialCallStatus: 'completed' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'canceled';
  dialCallSid?: string;
  durationSec?: number;
}

export interface HandoffTarget {
  queueId: string | null;
  operatorNumber: string | null;
  open: boolean;
  /** As many tasks are open or claimed as the queue has capacity for. */
  full: boolean;
  /** When the queue opens next (for the callback task a failed handoff leaves). */
  nextOpenAt: string | null;
}

/** What the caller hears when nobody takes the handoff (said by the workflow or the Dial action). */
export const HANDOFF_FAILED_MESSAGE =
  'Sorry, nobody from our team can take your call right now. We will call you back as soon as we can. Goodbye.';
