/**
 * Tenant event webhooks (`operator` scope): where they go, each delivery with
 * its attempts, and a retry that sends the same event (same id) again.
 */
import { z } from 'zod';
import { upsertCredential } from '../../db/credentials.js';
import * as notifications from '../../db/notifications.js';
import { BusinessRuleError, NotFoundError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { NOTIFICATION_CREDENTIAL_KIND } from '../../activities/notifications.js';
import type { TenantEventName } from '../../workflows/notification-types.js';
import { tenantOperation, type TenantOperation } from '../operator/operation.js';

const tag = 'Notifications';
const errors = [400, 401, 403, 404, 429, 503] as const;

const idParam = z.object({ id: z.string().min(1).max(100) });

export const endpointBody = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2_000),
    secret: z
      .string()
      .min(32)
      .max(200)
      .meta({ description: 'The HMAC-SHA256 signing secret; stored encrypted, never returned.' }),
    horizon_sec: z
      .number()
      .int()
      .min(10)
      .max(7 * 86_400)
      .default(86_400)
      .meta({
        description: 'How long a delivery is retried before voice.webhook.delivery_failed.',
      }),
    initial_interval_ms: z.number().int().min(100).max(3_600_000).default(5_000),
  })
  .strict()
  .meta({ id: 'NotificationEndpointRequest' });

const endpointView = z
  .object({
    url: z.string(),
    horizon_sec: z.number(),
    initial_interval_ms: z.number(),
    secret: z.string(),
  })
  .meta({ id: 'NotificationEndpoint' });

const deliveryStatus = z.enum(['pending', 'delivered', 'failed']);

const deliveryView = z
  .object({
    id: z.string().meta({ description: 'The event id; the same on every attempt and retry.' }),
    event: z.string(),
    status: deliveryStatus,
    attempts: z.number(),
    last_http_status: z.number().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .meta({ id: 'NotificationDelivery' });

const deliveryDetail = deliveryView
  .extend({
    body: z.string().meta({ description: 'The exact body sent (and signed).' }),
    history: z.array(
      z.object({
        http_status: z.number().nullable(),
        error: z.string().nullable(),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'NotificationDeliveryDetail' });

const listQuery = z
  .object({
    status: deliveryStatus.optional(),
    event: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

function presentDelivery(row: notifications.DeliveryRow) {
  return {
    id: row.id,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    last_http_status: row.last_http_status,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    delivered_at: row.delivered_at?.toISOString() ?? null,
  };
}

export const notificationOperations: TenantOperation[] = [
  tenantOperation({
    operationId: 'setNotificationEndpoint',
    method: 'put',
    path: '/notifications/endpoint',
    tag,
    scope: 'operator',
    summary: 'Set where tenant events are delivered, and the signing secret',
    description:
      'Needs the `operator` scope. Each event is POSTed with `X-StateSet-Signature: t=<unix>,v1=<hex>` ' +
      'where v1 is HMAC-SHA256(secret, "<t>.<raw body>"), and `X-StateSet-Event-Id`.',
    body: endpointBody,
    success: {
      status: 200,
      description: 'The endpoint (the secret masked).',
      schema: endpointView,
    },
    errors: [...errors],
    handle: async ({ deps, tenantId, body }) => {
      await deps.db.transaction(async (client) => {
        await notifications.upsertNotificationEndpoint(client, {
          tenantId,
          url: body.url,
          horizonSec: body.horizon_sec,
          initialIntervalMs: body.initial_interval_ms,
        });
        await upsertCredential(client, {
          id: newId('cred'),
          tenantId,
          kind: NOTIFICATION_CREDENTIAL_KIND,
          name: 'default',
          ciphertext: deps.secrets.seal(body.secret),
          key_id: deps.secrets.keyId,
          masked: `…${body.secret.slice(-4)}`,
        });
      });
      return {
        url: body.url,
        horizon_sec: body.horizon_sec,
        initial_interval_ms: body.initial_interval_ms,
        secret: `…${body.secret.slice(-4)}`,
      };
    },
  }),
  tenantOperation({
    operationId: 'listNotificationDeliveries',
    method: 'get',
    path: '/notifications/deliveries',
    tag,
    scope: 'operator',
    summary: 'Event deliveries, newest first',
    description: 'Needs the `operator` scope.',
    query: listQuery,
    success: {
      status: 200,
      description: 'The deliveries.',
      schema: z.object({ data: z.array(deliveryView) }),
    },
    errors: [...errors],
    handle: async ({ deps, tenantId, query }) => ({
      data: (await notifications.listDeliveries(deps.db, tenantId, query)).map(presentDelivery),
    }),
  }),
  tenantOperation({
    operationId: 'getNotificationDelivery',
    method: 'get',
    path: '/notifications/deliveries/:id',
    tag,
    scope: 'operator',
    summary: 'One delivery, its body and every attempt',
    description: 'Needs the `operator` scope.',
    params: idParam,
    success: { status: 200, description: 'The delivery.', schema: deliveryDetail },
    errors: [...errors],
    handle: async ({ deps, tenantId, params }) => {
      const row = await notifications.findDelivery(deps.db, tenantId, params.id);
      if (!row) throw new NotFoundError('delivery');
      const history = await notifications.listAttempts(deps.db, tenantId, row.id);
      return {
        ...presentDelivery(row),
        body: row.body,
        history: history.map((attempt) => ({ ...attempt, at: attempt.at.toISOString() })),
      };
    },
  }),
  tenantOperation({
    operationId: 'retryNotificationDelivery',
    method: 'post',
    path: '/notifications/deliveries/:id/retry',
    tag,
    scope: 'operator',
    summary: 'Deliver a failed event again, with the same event id',
    description: 'Needs the `operator` scope. 422 when the event was already delivered.',
    params: idParam,
    success: { status: 202, description: 'The delivery is running again.', schema: deliveryView },
    errors: [...errors, 422],
    handle: async ({ deps, tenantId, params }) => {
      const row = await notifications.findDelivery(deps.db, tenantId, params.id);
      if (!row) throw new NotFoundError('delivery');
      if (row.status === 'delivered')
        throw new BusinessRuleError('already_delivered', 'the event was delivered');
      const endpoint = await notifications.findNotificationEndpoint(deps.db, tenantId);
      if (!endpoint) throw new BusinessRuleError('no_endpoint', 'no notification endpoint is set');
      await notifications.markDelivery(deps.db, tenantId, row.id, 'pending');
      await deps.calls.redeliverNotification(
        {
          tenantId,
          deliveryId: row.id,
          event: row.event as TenantEventName,
          horizonSec: endpoint.horizon_sec,
          initialIntervalMs: endpoint.initial_interval_ms,
        },
        row.attempts,
      );
      return presentDelivery({ ...row, status: 'pending' });
    },
  }),
];
