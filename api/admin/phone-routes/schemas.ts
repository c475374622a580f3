/** Phone routes: a number to an agent, with the rollout policy that picks the version. */
import { z } from 'zod';
import type { PhoneRouteRecord } from '../../../db/phone-routes.js';
import { e164 } from '../../calls/schemas.js';
import { actorName, iso, page, pageQuery, resourceId, timestamp } from '../common.js';

export const rolloutPolicy = z
  .object({
    weights: z
      .array(
        z
          .object({
            agent_version_id: resourceId,
            weight: z.int().min(0).max(100).meta({ description: 'Percent of callers.' }),
          })
          .strict(),
      )
      .min(1)
      .max(10),
  })
  .strict()
  .refine((policy) => policy.weights.reduce((sum, entry) => sum + entry.weight, 0) === 100, {
    message: 'weights must add up to 100',
    path: ['weights'],
  })
  .refine(
    (policy) =>
      new Set(policy.weights.map((entry) => entry.agent_version_id)).size === policy.weights.length,
    {
      message: 'each version once',
      path: ['weights'],
    },
  )
  .meta({
    id: 'RolloutPolicy',
    description:
      'Weights across approved versions of the agent; each caller number sticks to one version.',
  });

export type RolloutPolicyInput = z.output<typeof rolloutPolicy>;

export const createPhoneRouteBody = z
  .object({
    tenant_id: resourceId,
    phone_number: e164,
    agent_id: resourceId,
    launch_owner: actorName.meta({ description: 'Who answers for what this number does.' }),
    rollout: rolloutPolicy,
  })
  .strict()
  .meta({ id: 'CreatePhoneRoute' });

export const updateRolloutBody = z
  .object({
    rollout: rolloutPolicy,
    launch_owner: actorName.optional(),
    reason: z.string().trim().min(1).max(1_000).optional(),
  })
  .strict()
  .meta({ id: 'UpdateRollout' });

export const rollbackBody = z
  .object({ reason: z.string().trim().min(1).max(1_000).optional() })
  .strict()
  .meta({ id: 'RollbackRollout' });

export const phoneRouteParams = z.object({ route_id: resourceId });
export const listPhoneRoutesQuery = z.object({ tenant_id: resourceId.optional(), ...pageQuery });

export const phoneRouteView = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    phone_number: z.string(),
    agent_id: z.string(),
    rollout: rolloutPolicy,
    previous_rollout: rolloutPolicy.nullable(),
    launch_owner: z.string().nullable(),
    rollout_updated_by: z.string().nullable(),
    rollout_updated_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'PhoneRoute' });

export const phoneRoutePage = page(phoneRouteView).meta({ id: 'PhoneRoutePage' });

export type PhoneRouteView = z.output<typeof phoneRouteView>;

export function presentPhoneRoute(row: PhoneRouteRecord): PhoneRouteView {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    phone_number: row.phone_number,
    agent_id: row.agent_id,
    rollout: row.rollout,
    previous_rollout: row.previous_rollout,
    launch_owner: row.launch_owner,
    rollout_updated_by: row.rollout_updated_by,
    rollout_updated_at: iso(row.rollout_updated_at),
    created_at: iso(row.created_at) ?? '',
    updated_at: iso(row.updated_at) ?? '',
  };
}
