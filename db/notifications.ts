/** SQL for tenant event webhooks: the endpoint, each event's delivery and its attempts. */
import type { Queryable } from './database.js';

export interface NotificationEndpointRow {
  tenant_id: string;
  url: string;
  horizon_sec: number;
  initial_interval_ms: number;
}

export interface DeliveryRow {
  id: string;
  tenant_id: string;
  event: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_http_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface AttemptRow {
  http_status: number | null;
  error: string | null;
  at: Date;
}

export async function upsertNotificationEndpoint(
  db: Queryable,
  endpoint: { tenantId: string; url: string; horizonSec?: number; initialIntervalMs?: number },
): Promise<void> {
  await db.query(
    `INSERT INTO notification_endpoints (tenant_id, url, horizon_sec, initial_interval_ms)
     VALUES ($1, $2, COALESCE($3, 86400), COALESCE($4, 5000))
     ON CONFLICT (tenant_id) DO UPDATE SET url = EXCLUDED.url, horizon_sec = EXCLUDED.horizon_sec,
       initial_interval_ms = EXCLUDED.initial_interval_ms, updated_at = now()`,
    [
      endpoint.tenantId,
      endpoint.url,
      endpoint.horizonSec ?? null,
      endpoint.initialIntervalMs ?? null,
    ],
  );
}

export async function findNotificationEndpoint(
  db: Queryable,
  tenantId: string,
): Promise<NotificationEndpointRow | undefined> {
  const result = await db.query<NotificationEndpointRow>(
    'SELECT * FROM notification_endpoints WHERE tenant_id = $1',
    [tenantId],
  );
  return result.rows[0];
}

export async function insertDelivery(
  db: Queryable,
  delivery: { id: string; tenantId: string; event: string; body: string },
): Promise<void> {
  // A retried activity inserts the same event id again: the first row stands.
  await db.query(
    `INSERT INTO notification_deliveries (id, tenant_id, event, body) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO NOTHING`,
    [delivery.id, delivery.tenantId, delivery.event, delivery.body],
  );
}

export async function findDelivery(
  db: Queryable,
  tenantId: string,
  deliveryId: string,
): Promise<DeliveryRow | undefined> {
  const result = await db.query<DeliveryRow>(
    'SELECT * FROM notification_deliveries WHERE tenant_id = $1 AND id = $2',
    [tenantId, deliveryId],
  );
  return result.rows[0];
}

export async function listDeliveries(
  db: Queryable,
  tenantId: string,
  filter: { status?: string; event?: string; limit: number },
): Promise<DeliveryRow[]> {
  const result = await db.query<DeliveryRow>(
    `SELECT * FROM notification_deliveries
     WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR event = $3)
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [tenantId, filter.status ?? null, filter.event ?? null, filter.limit],
  );
  return result.rows;
}

export async function listAttempts(
  db: Queryable,
  tenantId: string,
  deliveryId: string,
): Promise<AttemptRow[]> {
  const result = await db.query<AttemptRow>(
    `SELECT http_status, error, at FROM notification_attempts
     WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY id`,
    [tenantId, deliveryId],
  );
  return result.rows;
}

export async function recordAttempt(
  db: Queryable,
  attempt: {
    tenantId: string;
    deliveryId: string;
    httpStatus: number | null;
    error: string | null;
  },
): Promise<void> {
  await db.query(
    `WITH attempt AS (
       INSERT INTO notification_attempts (delivery_id, tenant_id, http_status, error)
       VALUES ($1, $2, $3, $4)
     )
     UPDATE notification_deliveries SET attempts = attempts + 1, last_http_status = $3,
       last_error = $4
     WHERE tenant_id = $2 AND id = $1`,
    [attempt.deliveryId, attempt.tenantId, attempt.httpStatus, attempt.error],
  );
}

export async function markDelivery(
  db: Queryable,
  tenantId: string,
  deliveryId: string,
  status: 'pending' | 'delivered' | 'failed',
): Promise<void> {
  await db.query(
    `UPDATE notification_deliveries
     SET status = $3, delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
     WHERE tenant_id = $1 AND id = $2`,
    [tenantId, deliveryId, status],
  );
}
