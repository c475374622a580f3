/**
 * Emitting a tenant event from any workflow: the event is stored by an
 * activity (with an id drawn from the workflow's deterministic random, so a
 * replay or a retried activity keeps it), then a notification workflow of
 * its own delivers it, outliving the workflow that emitted it.
 */
import { ParentClosePolicy, proxyActivities, startChild, uuid4 } from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import { withSummaries } from './activity-summaries.js';
import { notificationWorkflowId } from './ids.js';
import type { TenantEventName } from './notification-types.js';
import { TENANT_ID, WORKFLOW_KIND } from './search-attributes.js';
import { RECORD_WRITE_OPTIONS } from './record-writes.js';

const store = withSummaries(proxyActivities<CallActivities>(RECORD_WRITE_OPTIONS));

/** Answers the event id, or null when the tenant has no webhook endpoint. */
export async function emitTenantEvent(
  tenantId: string,
  event: TenantEventName,
  data: Record<string, unknown>,
): Promise<string | null> {
  const eventId = `evt_${uuid4().replaceAll('-', '')}`;
  const recorded = await store.recordTenantEvent({
    eventId,
    tenantId,
    event,
    data,
    createdAt: new Date().toISOString(),
  });
  if (!recorded) return null;

  await startChild('notificationWorkflow', {
    workflowId: notificationWorkflowId(recorded.deliveryId),
    args: [{ tenantId, event, ...recorded }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `deliver ${event} (${eventId})`,
    typedSearchAttributes: [
      { key: TENANT_ID, value: tenantId },
      { key: WORKFLOW_KIND, value: 'notification' },
    ],
  });
  return eventId;
}
