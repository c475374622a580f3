/** SQL for phone routes as the admin API manages them: a number, an agent and its rollout. */
import type { RolloutPolicy } from '../lib/rollout.js';
import type { Queryable } from './database.js';

export interface PhoneRouteRecord {
  id: string;
  tenant_id: string;
  phone_number: string;
  agent_id: string;
  rollout: RolloutPolicy;
  previous_rollout: RolloutPolicy | null;
  launch_owner: string | null;
  rollout_updated_by: string | null;
  rollout_updated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export async function insertPhoneRoute(
  db: Queryable,
  route: {
    id: string;
    tenantId: string;
    phoneNumber: string;
    agentId: string;
    rollout: RolloutPolicy;
    launchOwner: string;
    actor: string;
  },
): Promise<PhoneRouteRecord> {
  const result = await db.query<PhoneRouteRecord>(
    `INSERT INTO phone_routes (id, tenant_id, phone_number, agent_id, rollout, launch_owner,
       rollout_updated_by, rollout_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING *`,
    [
      route.id,
      route.tenantId,
      route.phoneNumber,
      route.agentId,
      JSON.stringify(route.rollout),
      route.launchOwner,
      route.actor,
    ],
  );
  return result.rows[0] as PhoneRouteRecord;
}

export async function findPhoneRouteById(
  db: Queryable,
  routeId: string,
): Promise<PhoneRouteRecord | undefined> {
  const result = await db.query<PhoneRouteRecord>('SELECT * FROM phone_routes WHERE id = $1', [
    routeId,
  ]);
  return result.rows[0];
}

export async function lockPhoneRoute(
  db: Queryable,
  routeId: string,
): Promise<PhoneRouteRecord | undefined> {
  const result = await db.query<PhoneRouteRecord>(
    'SELECT * FROM phone_routes WHERE id = $1 FOR UPDATE',
    [routeId],
  );
  return result.rows[0];
}

export async function listPhoneRoutes(
  db: Queryable,
  filter: { tenantId?: string; limit: number; after?: string },
): Promise<PhoneRouteRecord[]> {
  const result = await db.query<PhoneRouteRecord>(
    `SELECT * FROM phone_routes
     WHERE ($1::text IS NULL OR tenant_id = $1)
       AND ($3::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM phone_routes WHERE id = $3))
     ORDER BY created_at, id LIMIT $2`,
    [filter.tenantId ?? null, filter.limit, filter.after ?? null],
  );
  return result.rows;
}

/** Replaces the policy and keeps the one it replaced, so one step back is always possible. */
export async function replaceRollout(
  db: Queryable,
  routeId: string,
  change: {
    rollout: RolloutPolicy;
    previous: RolloutPolicy | null;
    launchOwner: string | null;
    actor: string;
  },
): Promise<PhoneRouteRecord> {
  const result = await db.query<PhoneRouteRecord>(
    `UPDATE phone_routes SET rollout = $2, previous_rollout = $3, launch_owner = COALESCE($4, launch_owner),
       rollout_updated_by = $5, rollout_updated_at = now(), updated_at = now()
     WHERE id = $1 RETURNING *`,
    [
      routeId,
      JSON.stringify(change.rollout),
      change.previous === null ? null : JSON.stringify(change.previous),
      change.launchOwner,
      change.actor,
    ],
  );
  return result.rows[0] as PhoneRouteRecord;
}

export async function deletePhoneRoute(db: Queryable, routeId: string): Promise<void> {
  await db.query('DELETE FROM phone_routes WHERE id = $1', [routeId]);
}
