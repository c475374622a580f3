/**
 * Tenant event webhooks. Each event is stored once with its envelope, then
 * POSTed signed (lib/webhook-signature.ts) until the tenant answers 2xx; the
 * notification workflow owns the back-off, so a failure here simply throws.
 */
import { ApplicationFailure } from '@temporalio/common';
import { findCredential } from '../db/credentials.js';
import type { Database } from '../db/database.js';
import * as notifications from '../db/notifications.js';
import { refuseOutboundUrl } from '../lib/outbound-url.js';
import type { SecretBox } from '../lib/secret-box.js';
import { signWebhook, SIGNATURE_HEADER } from '../lib/webhook-signature.js';
import type { TenantEventName } from '../workflows/notification-types.js';
import type { WorkerMetrics } from './metrics.js';

export interface NotificationDependencies {
  db: Database;
  secrets: SecretBox;
  allowInsecureUrls: boolean;
  metrics?: WorkerMetrics;
}

/** The tenant has no endpoint or secret any more: retrying would not help. */
export const NOTIFICATION_UNDELIVERABLE = 'NotificationUndeliverable';

export const NOTIFICATION_CREDENTIAL_KIND = 'notification_webhook';
export const EVENT_ID_HEADER = 'x-stateset-event-id';
export const EVENT_NAME_HEADER = 'x-stateset-event';
const API_VERSION = '2024-12-01';
const REQUEST_TIMEOUT_MS = 10_000;

export interface RecordEventInput {
  eventId: string;
  tenantId: string;
  event: TenantEventName;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface RecordedEvent {
  deliveryId: string;
  horizonSec: number;
  initialIntervalMs: number;
}

export function createNotificationActivities(deps: NotificationDependencies) {
  return {
    /** Stores the event's envelope; null when the tenant has no webhook endpoint. */
    async recordTenantEvent(input: RecordEventInput): Promise<RecordedEvent | null> {
      const endpoint = await notifications.findNotificationEndpoint(deps.db, input.tenantId);
      if (!endpoint) return null;
      const body = JSON.stringify({
        id: input.eventId,
        event: input.event,
        created_at: input.createdAt,
        tenant_id: input.tenantId,
        api_version: API_VERSION,
        data: input.data,
      });
      await notifications.insertDelivery(deps.db, {
        id: input.eventId,
        tenantId: input.tenantId,
        event: input.event,
        body,
      });
      return {
        deliveryId: input.eventId,
        horizonSec: endpoint.horizon_sec,
        initialIntervalMs: endpoint.initial_interval_ms,
      };
    },

    /** One POST of the stored body; throws unless the tenant answered 2xx. */
    async deliverTenantEvent(input: {
      tenantId: string;
      deliveryId: string;
    }): Promise<{ httpStatus: number }> {
      const delivery = await notifications.findDelivery(deps.db, input.tenantId, input.deliveryId);
      if (!delivery)
        throw ApplicationFailure.nonRetryable('no such delivery', NOTIFICATION_UNDELIVERABLE);
      if (delivery.status === 'delivered') return { httpStatus: delivery.last_http_status ?? 200 };
      const endpoint = await notifications.findNotificationEndpoint(deps.db, input.tenantId);
      const credential = await findCredential(
        deps.db,
        input.tenantId,
        NOTIFICATION_CREDENTIAL_KIND,
        'default',
      );
      if (!endpoint || !credential) {
        throw ApplicationFailure.nonRetryable(
          'no webhook endpoint or secret',
          NOTIFICATION_UNDELIVERABLE,
        );
      }
      const url = new URL(endpoint.url);
      const refusal = await refuseOutboundUrl(url, { allowInsecure: deps.allowInsecureUrls });
      if (refusal) {
        throw ApplicationFailure.nonRetryable(
          `webhook endpoints ${refusal}`,
          NOTIFICATION_UNDELIVERABLE,
        );
      }
      const secret = deps.secrets.open(credential.ciphertext, credential.key_id);

      let httpStatus: number | null = null;
      let error: string | null = null;
      try {
        const response = await fetch(url, {
          method: 'POST',
          body: delivery.body,
          redirect: 'error',
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhook(secret, delivery.body),
            [EVENT_ID_HEADER]: delivery.id,
            [EVENT_NAME_HEADER]: delivery.event,
          },
        });
        httpStatus = response.status;
        await response.body?.cancel();
      } catch (caught) {
        error = caught instanceof Error ? caught.name : 'request failed';
      }

      const delivered = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
      deps.metrics?.notificationDeliveries.inc({ result: delivered ? 'delivered' : 'failed' });
      if (!delivered && error === null) error = `tenant answered ${httpStatus}`;
      await notifications.recordAttempt(deps.db, {
        tenantId: input.tenantId,
        deliveryId: input.deliveryId,
        httpStatus,
        error: delivered ? null : error,
      });
      if (!delivered) throw new Error(`delivery ${input.deliveryId} failed: ${error}`);
      await notifications.markDelivery(deps.db, input.tenantId, input.deliveryId, 'delivered');
      return { httpStatus: httpStatus ?? 200 };
    },

    async markTenantEventFailed(input: { tenantId: string; deliveryId: string }): Promise<void> {
      await notifications.markDelivery(deps.db, input.tenantId, input.deliveryId, 'failed');
    },
  };
}
