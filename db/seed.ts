/**
 * The demo tenant: a key, an agent with an approved version, a phone route and
 * a tool signing secret. Used by the demo and the tests; idempotent by name.
 */
import { upsertCredential } from './credentials.js';
import type { Database } from './database.js';
import { insertApiKey, insertTenant } from './tenants.js';
import { generateApiKey, API_KEY_SCOPES } from '../lib/api-keys.js';
import { newId } from '../lib/ids.js';
import { maskSecret } from '../lib/redact.js';
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

export async function seedDemoTenant(db: Database, secrets: SecretBox, options: SeedOptions): Promise<SeededTenant> {
  const tenantId = newId('ten');
  const agentId = newId('agt');
  const agentVersionId = newId('ver');
  const key = generateApiKey();
  const agentKey = 'demo-agent';

  await db.transaction(async (client) => {
    await insertTenant(client, { id: tenantId, name: options.tenantName });
    await insertApiKey(client, {
      id: newId('key'),
      tenantId,
      prefix: key.prefix,
      hash: key.hash,
      scopes: [...API_KEY_SCOPES],
    });
    await client.query('INSERT INTO agents (id, tenant_id, key, name) VALUES ($1, $2, $3, $4)', [
      agentId,
      tenantId,
      agentKey,
      'Demo agent',
    ]);
    await client.query(
      `INSERT INTO agent_versions (id, tenant_id, agent_id, version, status, config, created_by,
         submitted_at, decided_by, decided_at, decision_reason)
       VALUES ($1, $2, $3, 1, 'approved', $4, 'seed:author', now(), 'seed:approver', now(), 'demo seed')`,
      [agentVersionId, tenantId, agentId, JSON.stringify(demoAgentConfig(options.toolWebhookUrl))],
    );
    await client.query(
      `INSERT INTO phone_routes (id, tenant_id, phone_number, agent_id, rollout, launch_owner)
       VALUES ($1, $2, $3, $4, $5, 'seed')`,
      [newId('route'), tenantId, options.phoneNumber, agentId, { weights: [{ agent_version_id: agentVersionId, weight: 100 }] }],
    );
    await upsertCredential(client, {
      id: newId('key'),
      tenantId,
      kind: 'tool_webhook',
      name: 'default',
      ciphertext: secrets.seal(options.toolSecret),
      key_id: secrets.keyId,
      masked: maskSecret(options.toolSecret),
    });
  });

  return { tenantId, apiKey: key.key, agentId, agentKey, agentVersionId, phoneNumber: options.phoneNumber };
}
