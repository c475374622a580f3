/**
 * The cross-tenant matrix: every tenant route in the public document, given
 * another tenant's resource ids, answers 404 and changes nothing, in the
 * database or in the other tenant's call workflow.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { publicOperations } from '../../api/openapi/documents.js';
import { openApiPath } from '../../api/openapi/operation.js';
import { heartbeatBridgeInstance } from '../../db/bridge-instances.js';
import { insertDelivery } from '../../db/notifications.js';
import { saveVoiceSession } from '../../db/voice-sessions.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import {
  admin,
  agentConfig,
  asTenant,
  AUTHOR,
  createApprovedAgent,
  createRoute,
  createTenantWithKey,
  expectStatus,
} from '../support/admin-client.js';

interface Foreign {
  params?: Record<string, string>;
  body?: Record<string, unknown>;
}

let harness: ApiHarness;
let ownKey: string;
let theirs: {
  callId: string;
  workflowId: string;
  versionId: string;
  draftId: string;
  keyId: string;
  queueId: string;
  taskId: string;
  queuedTaskId: string;
  deliveryId: string;
  voiceSessionId: string;
};
let ownAgentKey: string;
const OWN_NUMBER = '+15005550601';
const THEIR_NUMBER = '+15005550602';

before(async () => {
  harness = await startApiHarness();
  const own = await createTenantWithKey(harness, 'Ours', {
    scopes: ['calls:read', 'calls:write', 'operator'],
  });
  ownKey = own.key;
  const ownAgent = await createApprovedAgent(harness, own.tenant.id);
  ownAgentKey = ownAgent.agent.key;
  await createRoute(harness, own.tenant.id, ownAgent.agent.id, OWN_NUMBER, [
    [ownAgent.version.id, 100],
  ]);

  const other = await createTenantWithKey(harness, 'Theirs', {
    scopes: ['calls:read', 'calls:write', 'operator'],
  });
  const otherAgent = await createApprovedAgent(harness, other.tenant.id);
  await createRoute(harness, other.tenant.id, otherAgent.agent.id, THEIR_NUMBER, [
    [otherAgent.version.id, 100],
  ]);
  const draft = await expectStatus(
    admin(
      harness,
      'POST',
      `/agents/${otherAgent.agent.id}/versions`,
      { config: agentConfig() },
      AUTHOR,
    ),
    201,
  );
  const call = await expectStatus(
    asTenant(harness, other.key, 'POST', '/api/v1/make-call', {
      to: '+14155550123',
      from: THEIR_NUMBER,
      agent_key: otherAgent.agent.key,
    }),
    202,
  );
  const queue = await expectStatus(
    asTenant(harness, other.key, 'POST', '/api/v1/queues', {
      name: 'theirs',
      operator_number: THEIR_NUMBER,
    }),
    201,
  );
  const task = await expectStatus(
    asTenant(harness, other.key, 'POST', '/api/v1/callbacks', {
      phone_number: '+14155550125',
      from: THEIR_NUMBER,
      agent_key: otherAgent.agent.key,
      queue_id: queue.id,
      due_at: new Date(Date.now() + 86_400_000).toISOString(),
    }),
    201,
  );
  const queuedTask = await expectStatus(
    asTenant(harness, other.key, 'POST', '/api/v1/callbacks', {
      phone_number: '+14155550126',
      from: THEIR_NUMBER,
      agent_key: otherAgent.agent.key,
      queue_id: queue.id,
      mode: 'notify_queue',
      due_at: new Date(Date.now() + 86_400_000).toISOString(),
    }),
    201,
  );
  const deliveryId = 'evt_theirs_cross_tenant';
  await insertDelivery(harness.db, {
    id: deliveryId,
    tenantId: other.tenant.id,
    event: 'voice.call.completed',
    body: JSON.stringify({ id: deliveryId, data: { to: THEIR_NUMBER } }),
  });
  // Their call's media stream, as a bridge instance records it.
  const voiceSessionId = 'vs_theirs_cross_tenant';
  await heartbeatBridgeInstance(harness.db, {
    id: 'brg_cross_tenant',
    streamUrl: 'wss://bridge.example.com/media-stream',
    heartbeatMs: 60_000,
    staleAfterMs: 180_000,
  });
  await saveVoiceSession(harness.db, {
    id: voiceSessionId,
    tenantId: other.tenant.id,
    callId: call.call_id,
    streamSid: 'MZ0badc0de11112222333344445555aaaa',
    bridgeInstanceId: 'brg_cross_tenant',
    state: 'listening',
    stateChangedAt: new Date(),
    startedAt: new Date(),
  });
  theirs = {
    callId: call.call_id,
    workflowId: call.workflow_id,
    versionId: otherAgent.version.id,
    draftId: draft.id,
    keyId: other.keyId,
    queueId: queue.id,
    taskId: task.id,
    queuedTaskId: queuedTask.id,
    deliveryId,
    voiceSessionId,
  };
});
after(() => harness.stop());

/** Another tenant's ids for each tenant operation; a new operation must be added here. */
function foreignInputs(): Record<string, Foreign[]> {
  const call = { params: { id: theirs.callId } };
  const callTo = { to: '+14155550124', from: OWN_NUMBER };
  const callback = { phone_number: '+14155550124', from: OWN_NUMBER, agent_key: ownAgentKey };
  const task = { params: { id: theirs.taskId } };
  const queuedTask = { params: { id: theirs.queuedTaskId } };
  const delivery = { params: { id: theirs.deliveryId } };
  return {
    makeCall: [
      { body: { ...callTo, agent_version_id: theirs.versionId } },
      { body: { ...callTo, agent_version_id: theirs.draftId } },
    ],
    // A list answers only the caller's own calls: its isolation is the test below.
    listCallLogs: [],
    getCallLog: [call],
    getCallTranscript: [call],
    getCallFunctionCalls: [call],
    getCallEvaluation: [call],
    getCallEvents: [call],
    hangUpCall: [{ ...call, body: { reason: 'not yours' } }],
    createQueue: [],
    listQueues: [],
    getQueue: [{ params: { id: theirs.queueId } }],
    createCallback: [
      { body: { ...callback, queue_id: theirs.queueId } },
      { body: { ...callback, queue_id: theirs.queueId, mode: 'notify_queue' } },
      { body: { ...callback, call_id: theirs.callId } },
      { body: { ...callback, queue_id: theirs.queueId, call_id: theirs.callId } },
      {
        body: {
          phone_number: '+14155550124',
          from: OWN_NUMBER,
          agent_version_id: theirs.versionId,
        },
      },
    ],
    listCallbacks: [],
    getCallbackPolicy: [],
    setCallbackPolicy: [],
    getCallback: [task, queuedTask],
    claimCallback: [
      { ...task, body: { operator: 'ana' } },
      { ...task, body: { operator: 'ben' } },
      { ...queuedTask, body: { operator: 'ana' } },
    ],
    completeCallback: [{ ...task, body: { disposition: 'not yours' } }],
    cancelCallback: [
      { ...task, body: {} },
      { ...queuedTask, body: { reason: 'not yours' } },
    ],
    retryCallback: [{ ...task, body: {} }],
    setNotificationEndpoint: [],
    listNotificationDeliveries: [],
    getNotificationDelivery: [delivery],
    retryNotificationDelivery: [delivery],
    listVoiceSessions: [],
    listActiveVoiceSessions: [],
    getVoiceSession: [{ params: { id: theirs.voiceSessionId } }],
  };
}

/** A digest of every row of every table, to prove a request changed nothing. */
async function databaseFingerprint(): Promise<Record<string, string>> {
  const tables = await harness.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const digests: Record<string, string> = {};
  for (const { table_name } of tables.rows) {
    const result = await harness.db.query<{ digest: string | null }>(
      `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${table_name}" t`,
    );
    digests[table_name] = result.rows[0]?.digest ?? 'empty';
  }
  return digests;
}

async function workflowHistoryLength(): Promise<number> {
  const client = await harness.temporal();
  return (await client.workflow.getHandle(theirs.workflowId).describe()).historyLength;
}

function fill(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z_]+)/g, (_match, name: string) => {
    const value = params[name];
    assert.ok(value, `no foreign id for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}

test("every tenant route answers 404 to another tenant's ids, and nothing changes", async () => {
  const inputs = foreignInputs();
  assert.deepEqual(
    Object.keys(inputs).sort(),
    publicOperations.map((operation) => operation.operationId).sort(),
    'every public operation has a row in the matrix',
  );

  // One request first, so the key's last-used time is already written before the snapshot.
  await asTenant(harness, ownKey, 'GET', '/api/v1/call-logs/call_warm_up');
  const databaseBefore = await databaseFingerprint();
  const historyBefore = await workflowHistoryLength();

  let requests = 0;
  for (const operation of publicOperations) {
    for (const foreign of inputs[operation.operationId] ?? []) {
      const path = `/api/v1${fill(operation.path, foreign.params)}`;
      const answer = await asTenant(
        harness,
        ownKey,
        operation.method.toUpperCase(),
        path,
        foreign.body,
      );
      const label = `${operation.method.toUpperCase()} ${openApiPath('/api/v1', operation.path)} ${JSON.stringify(foreign)}`;
      assert.equal(
        answer.status,
        404,
        `${label} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
      assert.equal(answer.body.error.code, 'not_found', label);
      assert.ok(
        !JSON.stringify(answer.body).includes(THEIR_NUMBER),
        `${label} leaked their number`,
      );
      requests += 1;
    }
  }

  // Every row of the matrix was sent (list routes have none: their isolation has tests of its own).
  assert.equal(requests, Object.values(inputs).flat().length);
  assert.deepEqual(await databaseFingerprint(), databaseBefore);
  assert.equal(
    await workflowHistoryLength(),
    historyBefore,
    "their call's workflow received nothing",
  );
});

test("a tenant's own view of the other tenant's call is the same as of a call that does not exist", async () => {
  const foreign = await asTenant(harness, ownKey, 'GET', `/api/v1/call-logs/${theirs.callId}`);
  const missing = await asTenant(harness, ownKey, 'GET', '/api/v1/call-logs/call_never_existed');
  assert.equal(foreign.status, missing.status);
  assert.equal(foreign.body.error.message, missing.body.error.message);
});

test("the call-log list never shows another tenant's call, whatever the filter names", async () => {
  const theirCall = await harness.db.query<{ agent_id: string; to_number: string }>(
    'SELECT agent_id, to_number FROM calls WHERE id = $1',
    [theirs.callId],
  );
  const their = theirCall.rows[0];
  assert.ok(their);
  const own = await asTenant(harness, ownKey, 'POST', '/api/v1/make-call', {
    to: '+14155550127',
    from: OWN_NUMBER,
    agent_key: ownAgentKey,
  });
  assert.equal(own.status, 202);

  const everything = await asTenant(harness, ownKey, 'GET', '/api/v1/call-logs?limit=100');
  assert.equal(everything.status, 200);
  assert.ok(everything.body.data.some((call: { id: string }) => call.id === own.body.call_id));
  for (const query of [
    '',
    `?agent_id=${their.agent_id}`,
    `?agent_version_id=${theirs.versionId}`,
    `?from=${encodeURIComponent(THEIR_NUMBER)}`,
    `?to=${encodeURIComponent(their.to_number)}`,
    '?direction=outbound&status=queued',
  ]) {
    const answer = await asTenant(harness, ownKey, 'GET', `/api/v1/call-logs${query}`);
    assert.equal(answer.status, 200, query);
    const ids = answer.body.data.map((call: { id: string }) => call.id);
    assert.ok(!ids.includes(theirs.callId), `${query} listed their call`);
    assert.ok(!JSON.stringify(answer.body).includes(THEIR_NUMBER), `${query} leaked their number`);
    if (query !== '' && query !== '?direction=outbound&status=queued')
      assert.deepEqual(ids, [], `${query} names only their things`);
  }
});

test("admin routes scoped to a tenant answer 404 for another tenant's key or agent", async () => {
  const tenants = await expectStatus(admin(harness, 'GET', '/tenants'), 200);
  const ours = tenants.data.find((tenant: { name: string }) => tenant.name === 'Ours');
  const before = await databaseFingerprint();
  await expectStatus(
    admin(harness, 'POST', `/tenants/${ours.id}/api-keys/${theirs.keyId}/revoke`, {}),
    404,
  );
  await expectStatus(
    admin(harness, 'POST', `/tenants/${ours.id}/api-keys/${theirs.keyId}/rotate`, {}),
    404,
  );
  const theirAgent = await harness.db.query<{ agent_id: string }>(
    'SELECT agent_id FROM agent_versions WHERE id = $1',
    [theirs.versionId],
  );
  await expectStatus(
    admin(harness, 'POST', '/phone-routes', {
      tenant_id: ours.id,
      phone_number: '+15005550699',
      agent_id: theirAgent.rows[0]?.agent_id,
      launch_owner: 'launch@example.com',
      rollout: { weights: [{ agent_version_id: theirs.versionId, weight: 100 }] },
    }),
    404,
  );
  assert.deepEqual(await databaseFingerprint(), before);
});
