/**
 * Resources for the fuzzer to find: built through the admin and tenant APIs as
 * an integration would (tenant, keys, agents, an approved and a draft version,
 * a phone route, a credential, a queue, callbacks, calls), plus what only the
 * worker and the bridge write (a finished call's transcript, tool runs,
 * evaluation and events; voice sessions; a notification delivery), written
 * with the same database functions they use. Answers every id by kind.
 */
import { heartbeatBridgeInstance } from '../../db/bridge-instances.js';
import {
  finalizeCall,
  insertCall,
  insertFunctionCall,
  insertTranscriptTurns,
  upsertEvaluation,
} from '../../db/calls.js';
import type { Database } from '../../db/database.js';
import { insertDelivery } from '../../db/notifications.js';
import { saveVoiceSession } from '../../db/voice-sessions.js';

export interface SeededIds {
  tenantKey: string;
  agentKeys: string[];
  /** Numbers the tenant owns (calls are placed from them). */
  ownNumbers: string[];
  tenantIds: string[];
  keyIds: string[];
  agentIds: string[];
  versionIds: string[];
  routeIds: string[];
  credentialIds: string[];
  queueIds: string[];
  callbackIds: string[];
  callIds: string[];
  /** Calls whose workflow is gone: a hang-up finds no workflow (no worker serves a live one). */
  endedCallIds: string[];
  voiceSessionIds: string[];
  deliveryIds: string[];
}

// The stack's demo tenant owns +15005550001.
const OUR_NUMBER = '+15005550002';
const CALLEE = '+15005550006';
const AUTHOR = 'fuzz-author@example.com';
const APPROVER = 'fuzz-approver@example.com';
const BRIDGE_INSTANCE = 'brg_fuzz';

/** The fields of the answers the seed reads: a new resource's id, a key, a call's id. */
interface Created {
  id: string;
  key: string;
  call_id: string;
}

type Call = (method: string, path: string, body?: unknown) => Promise<Created>;

function client(baseUrl: string, headers: Record<string, string>): Call {
  return async (method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300)
      throw new Error(`seed: ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as Created;
  };
}

export async function seedResources(
  baseUrl: string,
  adminKey: string,
  db: Database,
): Promise<SeededIds> {
  const admin = (actor: string) =>
    client(baseUrl, { 'x-admin-key': adminKey, 'x-admin-actor': actor });
  const operator = admin('fuzz-operator@example.com');

  // The fuzzer tests what routes do, not the tenant's budgets: they are set as high as allowed.
  const tenant = await operator('POST', '/api/v1/admin/tenants', {
    name: 'Fuzz tenant',
    max_concurrent_calls: 10_000,
    calls_per_minute: 100_000,
    requests_per_minute: 1_000_000,
  });
  const other = await operator('POST', '/api/v1/admin/tenants', { name: 'Fuzz neighbour' });
  const key = await operator('POST', `/api/v1/admin/tenants/${tenant.id}/api-keys`, {
    name: 'fuzz',
    scopes: ['calls:write', 'calls:read', 'operator'],
  });
  const spare = await operator('POST', `/api/v1/admin/tenants/${tenant.id}/api-keys`, {
    name: 'spare',
    scopes: ['calls:read'],
  });

  const agent = await operator('POST', '/api/v1/admin/agents', {
    tenant_id: tenant.id,
    key: 'fuzz-agent',
    name: 'Fuzz agent',
  });
  const config = {
    instructions: 'You help callers with their orders.',
    voice: 'alloy',
    greeting: 'Hello, how can I help?',
    tools: [{ type: 'builtin', name: 'end_call' }],
  };
  const versionsPath = `/api/v1/admin/agents/${agent.id}/versions`;
  const approved = await admin(AUTHOR)('POST', versionsPath, { config });
  await admin(AUTHOR)('POST', `${versionsPath}/${approved.id}/submit`, {});
  await admin(APPROVER)('POST', `${versionsPath}/${approved.id}/approve`, { reason: 'fuzz seed' });
  const draft = await admin(AUTHOR)('POST', versionsPath, { config });

  const route = await operator('POST', '/api/v1/admin/phone-routes', {
    tenant_id: tenant.id,
    phone_number: OUR_NUMBER,
    agent_id: agent.id,
    launch_owner: 'fuzz-operator@example.com',
    rollout: { weights: [{ agent_version_id: approved.id, weight: 100 }] },
  });
  const credential = await operator('POST', '/api/v1/admin/credentials', {
    kind: 'tool_webhook',
    tenant_id: tenant.id,
    name: 'default',
    secret: 'fuzz-secret-0123456789',
  });

  const tenantApi = client(baseUrl, { authorization: `Bearer ${key.key}` });
  const queue = await tenantApi('POST', '/api/v1/queues', {
    name: 'Support',
    operator_number: '+15005550009',
    members: ['ops@example.com'],
  });
  const callback = await tenantApi('POST', '/api/v1/callbacks', {
    phone_number: CALLEE,
    from: OUR_NUMBER,
    agent_key: 'fuzz-agent',
    queue_id: queue.id,
    mode: 'notify_queue',
    due_at: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const live = await tenantApi('POST', '/api/v1/make-call', {
    to: CALLEE,
    from: OUR_NUMBER,
    agent_key: 'fuzz-agent',
    metadata: { order: 'A-1' },
  });
  // A call from before this run: its record is complete and its workflow long gone.
  const finished = { call_id: 'call_fuzz_finished' };
  await insertCall(db, {
    id: finished.call_id,
    tenantId: tenant.id,
    direction: 'inbound',
    status: 'in-progress',
    from: CALLEE,
    to: OUR_NUMBER,
    agentId: agent.id,
    agentVersionId: approved.id,
    callSid: 'CA0123456789abcdef0123456789abcdef',
    workflowId: 'call-call_fuzz_finished',
  });
  await recordFinishedCall(db, tenant.id, finished.call_id);

  await heartbeatBridgeInstance(db, {
    id: BRIDGE_INSTANCE,
    streamUrl: 'wss://fuzz.invalid/media-stream',
    heartbeatMs: 3_600_000,
    staleAfterMs: 10_800_000,
  });
  const started = new Date();
  await saveVoiceSession(db, {
    id: 'vs_fuzz_live',
    tenantId: tenant.id,
    callId: live.call_id,
    streamSid: 'MZfuzzlive',
    bridgeInstanceId: BRIDGE_INSTANCE,
    state: 'listening',
    stateChangedAt: started,
    startedAt: started,
  });
  await saveVoiceSession(db, {
    id: 'vs_fuzz_ended',
    tenantId: tenant.id,
    callId: finished.call_id,
    streamSid: 'MZfuzzended',
    bridgeInstanceId: BRIDGE_INSTANCE,
    state: 'ended',
    stateChangedAt: started,
    startedAt: started,
    endedAt: started,
    endReason: 'agent_ended_call',
  });
  await insertDelivery(db, {
    id: 'evt_fuzz_1',
    tenantId: tenant.id,
    event: 'voice.call.completed',
    body: JSON.stringify({ id: 'evt_fuzz_1', event: 'voice.call.completed', data: {} }),
  });

  return {
    tenantKey: key.key,
    agentKeys: ['fuzz-agent'],
    ownNumbers: [OUR_NUMBER],
    tenantIds: [tenant.id, other.id],
    keyIds: [key.id, spare.id],
    agentIds: [agent.id],
    versionIds: [approved.id, draft.id],
    routeIds: [route.id],
    credentialIds: [credential.id],
    queueIds: [queue.id],
    callbackIds: [callback.id],
    callIds: [live.call_id, finished.call_id],
    endedCallIds: [finished.call_id],
    voiceSessionIds: ['vs_fuzz_live', 'vs_fuzz_ended'],
    deliveryIds: ['evt_fuzz_1'],
  };
}

/** What the worker writes over a call's life, so the detail routes answer full records. */
async function recordFinishedCall(db: Database, tenantId: string, callId: string): Promise<void> {
  const at = (seconds: number) => new Date(Date.now() - 60_000 + seconds * 1_000).toISOString();
  await insertTranscriptTurns(db, callId, tenantId, 0, [
    {
      role: 'agent',
      text: 'Hello, how can I help?',
      interrupted: false,
      startedAt: at(0),
      endedAt: at(2),
    },
    {
      role: 'caller',
      text: 'Where is my order?',
      interrupted: false,
      startedAt: at(3),
      endedAt: at(5),
    },
    { role: 'agent', text: 'Let me check', interrupted: true, startedAt: at(6) },
  ]);
  await insertFunctionCall(db, {
    callId,
    tenantId,
    toolCallId: 'call_tool_1',
    name: 'end_call',
    arguments: {},
    status: 'succeeded',
    output: { ok: true },
    startedAt: at(8),
    completedAt: at(9),
  });
  await finalizeCall(db, {
    callId,
    tenantId,
    status: 'completed',
    outcome: 'completed',
    durationSec: 10,
    endReason: 'agent_ended_call',
  });
  await upsertEvaluation(db, {
    id: `eval_${callId}`,
    callId,
    tenantId,
    passed: true,
    overallScore: 0.9,
    checks: [{ id: 'required_tools', passed: true }],
    judgment: { scores: [{ id: 'politeness', score: 0.9, reason: 'polite' }] },
    model: 'gpt-4.1-mini',
  });
}
