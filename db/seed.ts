/**
 * The demo tenant, built through the governance services the admin API uses:
 * a tenant and key, an agent whose version is written by one actor and
 * approved by another, a phone route with a rollout policy, and the tool
 * signing secret, each step in the audit log. Used by the demo and the tests.
 */
import { agentVersionConfig } from '../api/admin/agent-versions/config-schema.js';
import { createAgentVersion, moveAgentVersion } from '../api/admin/agent-versions/service.js';
import { createAgent } from '../api/admin/agents/service.js';
import { issueApiKey } from '../api/admin/api-keys/service.js';
import type { GovernanceContext } from '../api/admin/context.js';
import { createCredential } from '../api/admin/credentials/service.js';
import { createPhoneRoute } from '../api/admin/phone-routes/service.js';
import { createTenant } from '../api/admin/tenants/service.js';
import type { Database } from './database.js';
import { API_KEY_SCOPES } from '../lib/api-keys.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { AgentVersionConfig } from '../workflows/types.js';

export interface SeededTenant {
  tenantId: string;
  apiKey: string;
  agentId: string;
  agentKey: string;
  agentVersionId: string;
  phoneNumber: string;
}

export interface SeedOptions {
  tenantName: string;
  phoneNumber: string;
  toolWebhookUrl: string;
  toolSecret: string;
}

const DEMO_INSTRUCTIONS =
  'You are the StateSet demo agent. Listen while the caller reads sentences. When they mention an ' +
  'order, check it with check_order_status. When they are done, thank them, say goodbye and call end_call.';

export function demoAgentConfig(toolWebhookUrl: string): AgentVersionConfig {
  return {
    instructions: DEMO_INSTRUCTIONS,
    voice: 'alloy',
    greeting: 'Hello! This is the StateSet demo agent. Please go ahead.',
    tools: [
      { type: 'builtin', name: 'end_call' },
      {
        type: 'webhook',
        name: 'check_order_status',
        description: "Look up an order's shipping status.",
        parameters: {
          type: 'object',
          properties: { order_id: { type: 'string' } },
          required: ['order_id'],
          additionalProperties: false,
        },
        url: toolWebhookUrl,
        timeout_ms: 5_000,
      },
    ],
    turn_detection: { silence_duration_ms: 800, prefix_padding_ms: 300, threshold: 0.5 },
    required_tools: ['check_order_status'],
    evaluation_rubric: [
      { id: 'helpfulness', description: 'The agent looked up the order and reported its status.' },
      { id: 'politeness', description: 'The agent greeted the caller and said goodbye.' },
    ],
    max_call_duration_sec: 600,
  };
}

/** The seed acts as three people, so the approval gate is passed the way it is in production. */
const SEED_AUTHOR = { name: 'seed:author', key: 'seed' };
const SEED_APPROVER = { name: 'seed:approver', key: 'seed' };
const SEED_OPERATOR = { name: 'seed:operator', key: 'seed' };

export async function seedDemoTenant(
  db: Database,
  secrets: SecretBox,
  options: SeedOptions,
): Promise<SeededTenant> {
  const as = (actor: GovernanceContext['actor']): GovernanceContext => ({ db, secrets, actor });
  const agentKey = 'demo-agent';

  const tenant = await createTenant(as(SEED_OPERATOR), { name: options.tenantName });
  const key = await issueApiKey(as(SEED_OPERATOR), tenant.id, {
    name: 'demo',
    scopes: [...API_KEY_SCOPES],
  });
  const agent = await createAgent(as(SEED_OPERATOR), {
    tenant_id: tenant.id,
    key: agentKey,
    name: 'Demo agent',
  });

  // Validated by the same schema as a version written through the admin API.
  const config = agentVersionConfig.parse(demoAgentConfig(options.toolWebhookUrl));
  const draft = await createAgentVersion(as(SEED_AUTHOR), agent.id, config);
  await moveAgentVersion(as(SEED_AUTHOR), agent.id, draft.id, {
    kind: 'submit',
    note: 'demo agent',
  });
  await moveAgentVersion(as(SEED_APPROVER), agent.id, draft.id, {
    kind: 'approve',
    reason: 'demo seed',
  });

  await createPhoneRoute(as(SEED_OPERATOR), {
    tenant_id: tenant.id,
    phone_number: options.phoneNumber,
    agent_id: agent.id,
    launch_owner: SEED_OPERATOR.name,
    rollout: { weights: [{ agent_version_id: draft.id, weight: 100 }] },
  });
  await createCredential(as(SEED_OPERATOR), {
    kind: 'tool_webhook',
    tenant_id: tenant.id,
    name: 'default',
    secret: options.toolSecret,
  });

  return {
    tenantId: tenant.id,
    apiKey: key.key,
    agentId: agent.id,
    agentKey,
    agentVersionId: draft.id,
    phoneNumber: options.phoneNumber,
  };
}
