/** The tenant events of spec section 10, and what the notification workflow is given. */

export type TenantEventName =
  | 'voice.call.started'
  | 'voice.call.completed'
  | 'voice.call.escalated'
  | 'voice.session.evaluated'
  | 'voice.callback.due'
  | 'voice.webhook.delivery_failed';

export interface NotificationWorkflowInput {
  tenantId: string;
  deliveryId: string;
  event: TenantEventName;
  /** How long to keep trying before giving up (the tenant's configured horizon). */
  horizonSec: number;
  /** First back-off; each next one doubles. */
  initialIntervalMs: number;
}

export type NotificationOutcome = 'delivered' | 'failed';
