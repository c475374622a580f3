/**
 * One tenant event, delivered. The activity's retry policy is the back-off:
 * doubling from the tenant's initial interval, until the horizon (the
 * activity's schedule-to-close timeout) is spent. A worker restart loses
 * nothing: Temporal holds the retry schedule and the event keeps its id.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import type { NotificationOutcome, NotificationWorkflowInput } from './notification-types.js';
import { emitTenantEvent } from './tenant-events.js';
import { RECORD_WRITE_OPTIONS } from './record-writes.js';

const store = proxyActivities<CallActivities>(RECORD_WRITE_OPTIONS);

/** Back-off never waits longer than this between two attempts. */
const MAX_INTERVAL_MS = 60 * 60_000;

export async function notificationWorkflow(
  input: NotificationWorkflowInput,
): Promise<NotificationOutcome> {
  const horizonMs = input.horizonSec * 1_000;
  const sender = proxyActivities<CallActivities>({
    startToCloseTimeout: '15 seconds',
    scheduleToCloseTimeout: horizonMs,
    retry: {
      initialInterval: input.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: Math.min(MAX_INTERVAL_MS, Math.max(input.initialIntervalMs, horizonMs / 4)),
      nonRetryableErrorTypes: ['NotificationUndeliverable'],
    },
  });

  try {
    await sender.deliverTenantEvent({ tenantId: input.tenantId, deliveryId: input.deliveryId });
    return 'delivered';
  } catch {
    // The horizon is spent: record it, and tell the tenant once (never about this very notice).
    await store.markTenantEventFailed({ tenantId: input.tenantId, deliveryId: input.deliveryId });
    if (input.event !== 'voice.webhook.delivery_failed') {
      await emitTenantEvent(input.tenantId, 'voice.webhook.delivery_failed', {
        failed_event_id: input.deliveryId,
        failed_event: input.event,
      });
    }
    return 'failed';
  }
}
