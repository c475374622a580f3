import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import {
  admin,
  agentConfig,
  APPROVER,
  asTenant,
  AUTHOR,
  createRoute,
  createTenantWithKey,
  expectStatus,
} from '../support/admin-client.js';

let harness: ApiHarness;
let tenantId: string;
let tenantKey: string;
let agentId: string;
const FROM = '+15005550101';

before(async () => {
  harness = await startApiHarness();
  ({
    tenant: { id: tenantId },
    key: tenantKey,
  } = await createTenantWithKey(harness, 'Versions Co'));
  const agent = await expectStatus(
    admin(harness, 'POST', '/agents', { tenant_id: tenantId, key: 'support', name: 'Support' }),
    201,
  );
  agentId = agent.id;
});
after(() => harness.stop());

const versionPath = (id: string) => `/agents/${agentId}/versions/${id}`;

function draft(config = agentConfig()) {
  return expectStatus(
    admin(harness, 'POST', `/agents/${agentId}/versions`, { config }, AUTHOR),
    201,
  );
}

test('an agent is created, read, listed by tenant and renamed; its key is unique per tenant', async () => {
  const agent = await expectStatus(admin(harness, 'GET', `/agents/${agentId}`), 200);
  assert.equal(agent.key, 'support');
  await expectStatus(
    admin(harness, 'POST', '/agents', { tenant_id: tenantId, key: 'support', name: 'Again' }),
    409,
  );
  await expectStatus(
    admin(harness, 'POST', '/agents', { tenant_id: 'ten_missing', key: 'x', name: 'X' }),
    404,
  );

  const renamed = await expectStatus(
    admin(harness, 'PATCH', `/agents/${agentId}`, { name: 'Support desk' }),
    200,
  );
  assert.equal(renamed.name, 'Support desk');
  const listed = await expectStatus(admin(harness, 'GET', `/agents?tenant_id=${tenantId}`), 200);
  assert.deepEqual(
    listed.data.map((row: { id: string }) => row.id),
    [agentId],
  );
});

test('a version holds every part of its config, and a draft can be edited', async () => {
  const config = agentConfig({
    model: 'gpt-realtime',
    tools: [
      { type: 'builtin', name: 'transfer_to_human' },
      {
        type: 'webhook',
        name: 'lookup_order',
        description: 'Find an order',
        parameters: {
          type: 'object',
          properties: { order_id: { type: 'string' } },
          required: ['order_id'],
        },
        url: 'https://tenant.example.com/tools/lookup_order',
        timeout_ms: 4_000,
      },
      {
        type: 'webhook',
        name: 'verify_pin',
        description: 'Check the PIN the caller keyed in',
        parameters: { type: 'object', properties: { pin: { type: 'string' } }, required: ['pin'] },
        url: 'https://tenant.example.com/tools/verify_pin',
      },
    ],
    escalation_rules: [
      {
        id: 'asks-human',
        trigger: 'caller_asks_for_human',
        action: 'transfer_to_human',
        target: 'tier1',
      },
    ],
    identity_requirements: {
      protected_tools: ['lookup_order'],
      methods: ['dtmf_pin'],
      verification_tool: 'verify_pin',
    },
    business_outcomes: [
      { id: 'order-status-given', description: 'The caller learns where the order is.' },
    ],
    required_tools: ['lookup_order'],
    evaluation_rubric: [{ id: 'accuracy', description: 'The status given matches the tool.' }],
    max_call_duration_sec: 900,
  });
  const created = await draft(config);
  assert.equal(created.status, 'draft');
  assert.equal(created.created_by, AUTHOR);
  assert.deepEqual(created.config, config);

  const edited = await expectStatus(
    admin(
      harness,
      'PUT',
      versionPath(created.id),
      { config: { ...config, greeting: 'Hi there!' } },
      AUTHOR,
    ),
    200,
  );
  assert.equal(edited.config.greeting, 'Hi there!');

  const invalid = await expectStatus(
    admin(harness, 'POST', `/agents/${agentId}/versions`, {
      config: agentConfig({
        required_tools: ['not_a_tool'],
        tools: [{ type: 'builtin', name: 'fly' }],
      }),
    }),
    400,
  );
  const fields = invalid.error.details.map((problem: { field: string }) => problem.field);
  assert.ok(fields.includes('config.tools.0.name'), JSON.stringify(fields));
});

test('a submitted version is immutable, in the API and in the database', async () => {
  const version = await draft();
  await expectStatus(
    admin(harness, 'POST', `${versionPath(version.id)}/submit`, { note: 'ready' }, AUTHOR),
    200,
  );

  const refused = await expectStatus(
    admin(
      harness,
      'PUT',
      versionPath(version.id),
      { config: agentConfig({ voice: 'verse' }) },
      AUTHOR,
    ),
    422,
  );
  assert.equal(refused.error.code, 'agent_version_immutable');
  await assert.rejects(
    harness.db.query(`UPDATE agent_versions SET config = '{}' WHERE id = $1`, [version.id]),
    /immutable/,
  );
  const unchanged = await expectStatus(admin(harness, 'GET', versionPath(version.id)), 200);
  assert.equal(unchanged.config.voice, 'alloy');
});

test('a version cannot be approved, or rejected, by its author', async () => {
  const version = await draft();
  await expectStatus(admin(harness, 'POST', `${versionPath(version.id)}/submit`, {}, AUTHOR), 200);

  for (const decision of ['approve', 'reject']) {
    const refused = await expectStatus(
      admin(
        harness,
        'POST',
        `${versionPath(version.id)}/${decision}`,
        { reason: 'looks fine to me' },
        AUTHOR,
      ),
      422,
    );
    assert.equal(refused.error.code, 'approver_is_author');
  }
  const still = await expectStatus(admin(harness, 'GET', versionPath(version.id)), 200);
  assert.equal(still.status, 'submitted');
  await assert.rejects(
    harness.db.query(
      `UPDATE agent_versions SET status = 'approved', decided_by = created_by WHERE id = $1`,
      [version.id],
    ),
    /approver_not_author/,
  );

  const approved = await expectStatus(
    admin(
      harness,
      'POST',
      `${versionPath(version.id)}/approve`,
      { reason: 'tested on staging' },
      APPROVER,
    ),
    200,
  );
  assert.equal(approved.status, 'approved');
  assert.equal(approved.decided_by, APPROVER);
  assert.equal(approved.decision_reason, 'tested on staging');
});

test('every transition is recorded with who and why; decisions need a submitted version', async () => {
  const version = await draft();
  const path = versionPath(version.id);
  await expectStatus(
    admin(harness, 'POST', `${path}/approve`, { reason: 'skip review' }, APPROVER),
    422,
  );
  await expectStatus(admin(harness, 'POST', `${path}/submit`, { note: 'first try' }, AUTHOR), 200);
  await expectStatus(admin(harness, 'POST', `${path}/submit`, {}, AUTHOR), 422);

  const pending = await expectStatus(
    admin(harness, 'GET', `/approvals?tenant_id=${tenantId}`),
    200,
  );
  assert.ok(pending.data.some((row: { id: string }) => row.id === version.id));

  await expectStatus(
    admin(harness, 'POST', `${path}/reject`, { reason: 'greeting too long' }, APPROVER),
    200,
  );
  await expectStatus(
    admin(harness, 'POST', `${path}/approve`, { reason: 'changed my mind' }, APPROVER),
    422,
  );

  const history = await expectStatus(admin(harness, 'GET', `${path}/history`), 200);
  assert.deepEqual(
    history.data.map((row: Record<string, unknown>) => [
      row.from_status,
      row.to_status,
      row.actor,
      row.reason,
    ]),
    [
      [null, 'draft', AUTHOR, null],
      ['draft', 'submitted', AUTHOR, 'first try'],
      ['submitted', 'rejected', APPROVER, 'greeting too long'],
    ],
  );
  const after = await expectStatus(admin(harness, 'GET', `/approvals?tenant_id=${tenantId}`), 200);
  assert.ok(!after.data.some((row: { id: string }) => row.id === version.id));
});

test('make-call refuses an unapproved version with 422 and starts an approved one', async () => {
  const approved = await draft();
  await expectStatus(admin(harness, 'POST', `${versionPath(approved.id)}/submit`, {}, AUTHOR), 200);
  await expectStatus(
    admin(harness, 'POST', `${versionPath(approved.id)}/approve`, { reason: 'ok' }, APPROVER),
    200,
  );
  await createRoute(harness, tenantId, agentId, FROM, [[approved.id, 100]]);

  const drafted = await draft();
  const submitted = await draft();
  await expectStatus(
    admin(harness, 'POST', `${versionPath(submitted.id)}/submit`, {}, AUTHOR),
    200,
  );
  const rejected = await draft();
  await expectStatus(admin(harness, 'POST', `${versionPath(rejected.id)}/submit`, {}, AUTHOR), 200);
  await expectStatus(
    admin(harness, 'POST', `${versionPath(rejected.id)}/reject`, { reason: 'no' }, APPROVER),
    200,
  );

  for (const version of [drafted, submitted, rejected]) {
    const refused = await expectStatus(
      asTenant(harness, tenantKey, 'POST', '/api/v1/make-call', {
        to: '+15005550199',
        from: FROM,
        agent_version_id: version.id,
      }),
      422,
    );
    assert.equal(refused.error.code, 'agent_version_not_approved');
  }
  const calls = await harness.db.query('SELECT id FROM calls');
  assert.equal(calls.rowCount, 0, 'a refused call leaves no record');

  const accepted = await expectStatus(
    asTenant(harness, tenantKey, 'POST', '/api/v1/make-call', {
      to: '+15005550199',
      from: FROM,
      agent_version_id: approved.id,
    }),
    202,
  );
  const stored = await harness.db.query<{ agent_id: string }>(
    'SELECT agent_id FROM calls WHERE id = $1',
    [accepted.call_id],
  );
  assert.equal(stored.rows[0]?.agent_id, agentId);
});

test('make-call by agent_key needs an agent of this tenant with an approved version', async () => {
  const unknown = await expectStatus(
    asTenant(harness, tenantKey, 'POST', '/api/v1/make-call', {
      to: '+15005550199',
      from: FROM,
      agent_key: 'nobody',
    }),
    404,
  );
  assert.equal(unknown.error.code, 'not_found');

  const fresh = await expectStatus(
    admin(harness, 'POST', '/agents', {
      tenant_id: tenantId,
      key: 'unreleased',
      name: 'Unreleased',
    }),
    201,
  );
  await expectStatus(
    admin(harness, 'POST', `/agents/${fresh.id}/versions`, { config: agentConfig() }, AUTHOR),
    201,
  );
  const refused = await expectStatus(
    asTenant(harness, tenantKey, 'POST', '/api/v1/make-call', {
      to: '+15005550199',
      from: FROM,
      agent_key: 'unreleased',
    }),
    422,
  );
  assert.equal(refused.error.code, 'agent_not_routable');
});
