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

export function pickVersion(policy: RolloutPolicy, routeKey: string, callerNumber: string): string | undefined {
  const active = policy.weights.filter((entry) => entry.weight > 0);
  const total = active.reduce((sum, entry) => sum + entry.weight, 0);
  if (total <= 0) return undefined;

  const target = (stickyBucket(routeKey, callerNumber) / BUCKETS) * total;
  let cumulative = 0;
  for (const entry of active) {
    cumulative += entry.weight;
    if (target < cumulative) return entry.agent_version_id;
  }
  return active[active.length - 1]?.agent_version_id;
}
