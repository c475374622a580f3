/**
 * Rollout policies: weights across approved versions, sticky per caller. The
 * same caller number always lands on the same version while the weights stay.
 */
import { createHash } from 'node:crypto';

export interface RolloutPolicy {
  weights: Array<{ agent_version_id: string; weight: number }>;
}

const BUCKETS = 10_000;

/** A stable bucket in [0, 10000) for a caller on a route. */
export function stickyBucket(routeKey: string, callerNumber: string): number {
  const digest = createHash('sha256').update(`${routeKey}:${callerNumber}`).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

export interface RolloutPick {
  agentVersionId: string;
  /** The caller's bucket in [0, 10000) and the share of the policy that bucket fell in. */
  bucket: number;
  weight: number;
  totalWeight: number;
}

/**
 * Versions are laid end to end over the buckets in policy order, so growing
 * the last entry's weight (a canary) only ever moves callers onto it.
 */
export function pickVersionFor(
  policy: RolloutPolicy,
  routeKey: string,
  callerNumber: string,
): RolloutPick | undefined {
  const active = policy.weights.filter((entry) => entry.weight > 0);
  const totalWeight = active.reduce((sum, entry) => sum + entry.weight, 0);
  if (totalWeight <= 0) return undefined;

  const bucket = stickyBucket(routeKey, callerNumber);
  const target = (bucket / BUCKETS) * totalWeight;
  let cumulative = 0;
  for (const entry of active) {
    cumulative += entry.weight;
    if (target < cumulative) {
      return { agentVersionId: entry.agent_version_id, bucket, weight: entry.weight, totalWeight };
    }
  }
  return undefined;
}

export function pickVersion(
  policy: RolloutPolicy,
  routeKey: string,
  callerNumber: string,
): string | undefined {
  return pickVersionFor(policy, routeKey, callerNumber)?.agentVersionId;
}
