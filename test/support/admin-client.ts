/** Talking to the admin API in tests, and building tenants through it. */
import assert from 'node:assert/strict';
import type { ApiHarness } from './api-harness.js';

export const OPERATOR = 'ops@example.com';
export const AUTHOR = 'author@example.com';
export const APPROVER = 'approver@example.com';

export function admin(
  harness: ApiHarness,
  method: string,
  path: string,
  body?: unknown,
  actor = OPERATOR,
) {
  return harness.request(method, `/api/v1/admin${path}`, {
    body,
    headers: { 'x-admin-key': harness.adminKey, 'x-admin-actor': actor },
  });
}

export function asTenant(
  harness: ApiHarness,
  key: string,
  method: string,
  path: string,
  body?: unknown,
) {
  return harness.request(method, path, { body, headers: { authorization: `Bearer ${key}` } });
}

/** Answers the body when the status is the expected one, and says what came back when not. */
export async function expectStatus<T = any>(
  pending: Promise<{ status: number; body: any }>,
  status: number,
): Promise<T> {
  const answer = await pending;
  assert.equal(
    answer.status,
    status,
    `expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`,
  );
  return answer.body as T;
}

export function agentConfig(overrides: Record<string, unknown> = {}) {
  return {
    instructions: 'You help callers with their orders.',
    voice: 'alloy',
    greeting: 'Hello, how can I help?',
    tools: [{ type: 'builtin', name: 'end_call' }],
    ...overrides,
  };
}

export async function createTenantWithKey(
  harness: ApiHarness,
  name: string,
  options: { scopes?: string[]; limits?: Record<string, number> } = {},
) {
  const tenant = await expectStatus(
    admin(harness, 'POST', '/tenants', { name, ...options.limits }),
    201,
  );
  const key = await expectStatus(
    admin(harness, 'POST', `/tenants/${tenant.id}/api-keys`, {
      name: 'integration',
      scopes: options.scopes ?? ['calls:write', 'calls:read'],
    }),
    201,
  );
  return { tenant, key: key.key as string, keyId: key.id as string };
}

/** An agent with one version written by AUTHOR and approved by APPROVER. */
export async function createApprovedAgent(
  harness: ApiHarness,
  tenantId: string,
  agentKey = 'support',
) {
  const agent = await expectStatus(
    admin(harness, 'POST', '/agents', {
      tenant_id: tenantId,
      key: agentKey,
      name: `Agent ${agentKey}`,
    }),
    201,
  );
  const version = await approvedVersion(harness, agent.id);
  return { agent, version };
}

export async function approvedVersion(
  harness: ApiHarness,
  agentId: string,
  config = agentConfig(),
) {
  const draft = await expectStatus(
    admin(harness, 'POST', `/agents/${agentId}/versions`, { config }, AUTHOR),
    201,
  );
  const path = `/agents/${agentId}/versions/${draft.id}`;
  await expectStatus(admin(harness, 'POST', `${path}/submit`, {}, AUTHOR), 200);
  return expectStatus(
    admin(harness, 'POST', `${path}/approve`, { reason: 'reviewed' }, APPROVER),
    200,
  );
}

export async function createRoute(
  harness: ApiHarness,
  tenantId: string,
  agentId: string,
  phoneNumber: string,
  weights: Array<[string, number]>,
) {
  return expectStatus(
    admin(harness, 'POST', '/phone-routes', {
      tenant_id: tenantId,
      phone_number: phoneNumber,
      agent_id: agentId,
      launch_owner: 'launch@example.com',
      rollout: {
        weights: weights.map(([agent_version_id, weight]) => ({ agent_version_id, weight })),
      },
    }),
    201,
  );
}
