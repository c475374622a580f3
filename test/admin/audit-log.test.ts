import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminKeyFingerprint } from '../../lib/admin-key.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import {
  admin,
  APPROVER,
  AUTHOR,
  createApprovedAgent,
  expectStatus,
} from '../support/admin-client.js';

let harness: ApiHarness;
let first: { id: string };
let second: { id: string };
let startedAt: string;

before(async () => {
  harness = await startApiHarness();
  startedAt = new Date().toISOString();
  first = await expectStatus(admin(harness, 'POST', '/tenants', { name: 'Audit One' }), 201);
  second = await expectStatus(
    admin(harness, 'POST', '/tenants', { name: 'Audit Two' }, 'other-ops@example.com'),
    201,
  );
  await createApprovedAgent(harness, first.id);
});
after(() => harness.stop());

type Entry = Record<string, any>;

async function entries(query: string): Promise<Entry[]> {
  return (await expectStatus(admin(harness, 'GET', `/audit-log?${query}`), 200)).data;
}

test('every admin mutation is recorded with actor, key, time, action, target, before and after', async () => {
  const all = await entries(`tenant_id=${first.id}`);
  assert.deepEqual(
    all.map((entry) => [entry.action, entry.actor]),
    [
      ['agent_version.approve', APPROVER],
      ['agent_version.submit', AUTHOR],
      ['agent_version.create', AUTHOR],
      ['agent.create', 'ops@example.com'],
      ['tenant.create', 'ops@example.com'],
    ],
  );
  const approval = all[0] as Entry;
  assert.equal(approval.actor_key, adminKeyFingerprint(harness.adminKey));
  assert.ok(!JSON.stringify(all).includes(harness.adminKey));
  assert.equal(approval.before.status, 'submitted');
  assert.equal(approval.after.status, 'approved');
  assert.equal(approval.target_type, 'agent_version');
  assert.match(approval.request_id, /^req_/);
  assert.ok(Date.parse(approval.occurred_at) >= Date.parse(startedAt) - 1_000);
  assert.equal(all[4]?.before, null);
});

test('the log filters by actor, action, target and time', async () => {
  const byActor = await entries('actor=other-ops@example.com');
  assert.deepEqual(
    byActor.map((entry) => entry.target_id),
    [second.id],
  );
  const byAction = await entries('action=tenant.create');
  assert.deepEqual(
    byAction.map((entry) => entry.target_id),
    [second.id, first.id],
  );
  const byType = await entries('target_type=agent');
  assert.equal(byType.length, 1);
  assert.deepEqual(await entries(`until=${encodeURIComponent(startedAt)}`), []);
  assert.equal((await entries(`since=${encodeURIComponent(startedAt)}`)).length, 6);

  const bad = await expectStatus(admin(harness, 'GET', '/audit-log?since=yesterday&limit=0'), 400);
  assert.deepEqual(bad.error.details.map((problem: { field: string }) => problem.field).sort(), [
    'limit',
    'since',
  ]);
});

test('the log pages newest first with a cursor, each entry once', async () => {
  // Past ten entries, so ids of two digits must sort as numbers (10 after 9), not as text.
  for (let n = 0; n < 8; n += 1) {
    await expectStatus(admin(harness, 'POST', '/tenants', { name: `Audit Page ${n}` }), 201);
  }
  const total = (await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))
    .rows[0]?.n;
  assert.ok((total ?? 0) > 10);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: Entry[]; next_cursor: string | null } = await expectStatus(
      admin(harness, 'GET', `/audit-log?limit=4${cursor ? `&cursor=${cursor}` : ''}`),
      200,
    );
    seen.push(...page.data.map((entry) => entry.id as string));
    cursor = page.next_cursor;
  } while (cursor);
  assert.equal(seen.length, total);
  assert.deepEqual(
    seen,
    [...seen].sort((a, b) => Number(b) - Number(a)),
  );
  assert.equal(new Set(seen).size, seen.length);
});
