/**
 * GET /api/v1/call-logs against the real API and PostgreSQL: each filter
 * narrows the list to the right calls, filters combine, pages follow one
 * another newest first with no call twice, and bad input is a 400 that names
 * the field. Calls are recorded through make-call where the path allows it,
 * and written as the workflow would leave them for statuses a call reaches
 * only by ringing (no worker serves this harness).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callLogSql } from '../../db/call-logs.js';
import { insertCall } from '../../db/calls.js';
import { encodeCursor } from '../../lib/pagination.js';
import { newId } from '../../lib/ids.js';
import { callWorkflowId } from '../../workflows/ids.js';
import {
  approvedVersion,
  asTenant,
  createApprovedAgent,
  createRoute,
  createTenantWithKey,
  expectStatus,
} from '../support/admin-client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const OWN_NUMBER = '+15005550801';
const CUSTOMER = '+14155550101';
const OTHER_CUSTOMER = '+14155550102';
const THIRD_CUSTOMER = '+14155550103';

let harness: ApiHarness;
let key: string;
let tenantId: string;
let agentId: string;
let secondAgentId: string;
let firstVersion: string;
let secondVersion: string;
/** The seeded calls by name, oldest first. */
const calls: Record<string, string> = {};

interface SeededCall {
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  status: string;
  outcome?: string;
  escalated?: boolean;
  agentId?: string;
  agentVersionId?: string;
  createdAt: string;
}

/**
 * A call as the workflow leaves it once it is over (or, without an outcome, still live), in
 * one transaction: nobody sees it before it has its creation time.
 */
async function seedCall(tenant: string, call: SeededCall): Promise<string> {
  const id = newId('call');
  await harness.db.transaction(async (client) => {
    await insertCall(client, {
      id,
      tenantId: tenant,
      direction: call.direction,
      status: call.status,
      from: call.from,
      to: call.to,
      agentId: call.agentId,
      agentVersionId: call.agentVersionId,
      workflowId: callWorkflowId(id),
    });
    await client.query(
      `UPDATE calls SET outcome = $2, escalated = $3, created_at = $4,
         ended_at = CASE WHEN $2::text IS NULL THEN NULL
           ELSE $4::timestamptz + interval '1 minute' END
       WHERE id = $1`,
      [id, call.outcome ?? null, call.escalated ?? false, call.createdAt],
    );
  });
  return id;
}

async function list(query: string, apiKey = key) {
  return expectStatus(asTenant(harness, apiKey, 'GET', `/api/v1/call-logs${query}`), 200);
}

async function listIds(query: string): Promise<string[]> {
  const page = await list(query);
  assert.equal(page.next_cursor, null, `one page holds the answer to ${query}`);
  return page.data.map((call: { id: string }) => call.id);
}

function named(...names: string[]): string[] {
  return names.map((name) => {
    const id = calls[name];
    assert.ok(id, `no call named ${name}`);
    return id;
  });
}

before(async () => {
  harness = await startApiHarness();
  const own = await createTenantWithKey(harness, 'Call logs', {
    scopes: ['calls:read', 'calls:write'],
  });
  key = own.key;
  tenantId = own.tenant.id;
  const agent = await createApprovedAgent(harness, tenantId, 'support');
  agentId = agent.agent.id;
  firstVersion = agent.version.id;
  secondVersion = (await approvedVersion(harness, agentId)).id;
  secondAgentId = (await createApprovedAgent(harness, tenantId, 'sales')).agent.id;
  await createRoute(harness, tenantId, agentId, OWN_NUMBER, [[firstVersion, 100]]);

  const at = (minute: number) => `2026-01-01T10:0${minute}:00.000Z`;
  const outbound = { direction: 'outbound' as const, from: OWN_NUMBER, agentId };
  const inbound = { direction: 'inbound' as const, to: OWN_NUMBER, agentId };
  calls.answered = await seedCall(tenantId, {
    ...outbound,
    to: CUSTOMER,
    status: 'completed',
    outcome: 'completed',
    agentVersionId: firstVersion,
    createdAt: at(0),
  });
  calls.busy = await seedCall(tenantId, {
    ...outbound,
    to: OTHER_CUSTOMER,
    status: 'busy',
    outcome: 'busy',
    agentVersionId: firstVersion,
    createdAt: at(1),
  });
  calls.handedOn = await seedCall(tenantId, {
    ...inbound,
    from: CUSTOMER,
    status: 'completed',
    outcome: 'completed',
    escalated: true,
    agentVersionId: secondVersion,
    createdAt: at(2),
  });
  calls.modelFailed = await seedCall(tenantId, {
    ...inbound,
    from: THIRD_CUSTOMER,
    agentId: secondAgentId,
    status: 'completed',
    outcome: 'failed',
    agentVersionId: secondVersion,
    createdAt: at(3),
  });
  calls.voicemail = await seedCall(tenantId, {
    ...outbound,
    to: CUSTOMER,
    status: 'completed',
    outcome: 'voicemail',
    agentVersionId: secondVersion,
    createdAt: at(4),
  });
  // The newest, through make-call: recorded and started, still queued (no worker serves it).
  const placed = await expectStatus(
    asTenant(harness, key, 'POST', '/api/v1/make-call', {
      to: THIRD_CUSTOMER,
      from: OWN_NUMBER,
      agent_key: 'support',
    }),
    202,
  );
  calls.live = placed.call_id;
});
after(() => harness.stop());

test('lists the tenant calls newest first, each as its record without the transcript', async () => {
  const page = await list('');
  assert.deepEqual(
    page.data.map((call: { id: string }) => call.id),
    named('live', 'voicemail', 'modelFailed', 'handedOn', 'busy', 'answered'),
  );
  assert.equal(page.next_cursor, null);

  const handedOn = page.data.find((call: { id: string }) => call.id === calls.handedOn);
  assert.equal(handedOn.direction, 'inbound');
  assert.equal(handedOn.from, CUSTOMER);
  assert.equal(handedOn.to, OWN_NUMBER);
  assert.equal(handedOn.escalated, true);
  assert.equal(handedOn.agent_version_id, secondVersion);
  assert.equal(handedOn.created_at, '2026-01-01T10:02:00.000Z');
  assert.equal(handedOn.workflow_id, `call-${calls.handedOn}`);
  assert.ok(handedOn.temporal_ui_url.endsWith(`/workflows/call-${calls.handedOn}`));
  assert.equal(handedOn.transcript, undefined);

  const live = page.data[0];
  assert.equal(live.status, 'queued');
  assert.equal(live.outcome, null);
  assert.equal(live.agent_id, agentId);
});

test('each filter narrows the list to exactly the calls that match it', async () => {
  const cases: Array<[string, string[]]> = [
    ['status=completed', named('voicemail', 'modelFailed', 'handedOn', 'answered')],
    ['status=queued', named('live')],
    ['status=busy', named('busy')],
    ['status=ringing', []],
    ['direction=inbound', named('modelFailed', 'handedOn')],
    ['direction=outbound', named('live', 'voicemail', 'busy', 'answered')],
    [`from=${encodeURIComponent(CUSTOMER)}`, named('handedOn')],
    [`from=${encodeURIComponent(OWN_NUMBER)}`, named('live', 'voicemail', 'busy', 'answered')],
    [`to=${encodeURIComponent(CUSTOMER)}`, named('voicemail', 'answered')],
    [`to=${encodeURIComponent(OWN_NUMBER)}`, named('modelFailed', 'handedOn')],
    [`agent_id=${secondAgentId}`, named('modelFailed')],
    [`agent_id=${agentId}`, named('live', 'voicemail', 'handedOn', 'busy', 'answered')],
    [`agent_version_id=${secondVersion}`, named('voicemail', 'modelFailed', 'handedOn')],
    [`agent_version_id=${firstVersion}`, named('busy', 'answered')],
    ['escalated=true', named('handedOn')],
    ['escalated=false', named('live', 'voicemail', 'modelFailed', 'busy', 'answered')],
    ['outcome=voicemail', named('voicemail')],
    ['outcome=failed', named('modelFailed')],
    ['outcome=completed', named('handedOn', 'answered')],
    ['outcome=no-answer', []],
    // created_after is inclusive, created_before exclusive.
    ['created_after=2026-01-01T10:02:00Z', named('live', 'voicemail', 'modelFailed', 'handedOn')],
    ['created_before=2026-01-01T10:02:00Z', named('busy', 'answered')],
    [
      'created_after=2026-01-01T11:02:00%2B01:00',
      named('live', 'voicemail', 'modelFailed', 'handedOn'),
    ],
  ];
  for (const [query, expected] of cases) {
    assert.deepEqual(await listIds(`?${query}`), expected, query);
  }
});

test('filters combine: every one of them must match', async () => {
  const cases: Array<[string, string[]]> = [
    [
      'created_after=2026-01-01T10:01:00Z&created_before=2026-01-01T10:04:00Z',
      named('modelFailed', 'handedOn', 'busy'),
    ],
    [`direction=outbound&to=${encodeURIComponent(CUSTOMER)}&outcome=completed`, named('answered')],
    [`direction=inbound&escalated=true&agent_version_id=${secondVersion}`, named('handedOn')],
    [
      `status=completed&agent_version_id=${secondVersion}&escalated=false`,
      named('voicemail', 'modelFailed'),
    ],
    [
      `from=${encodeURIComponent(OWN_NUMBER)}&status=completed&created_before=2026-01-01T10:04:00Z`,
      named('answered'),
    ],
    [`direction=inbound&to=${encodeURIComponent(CUSTOMER)}`, []],
    [`escalated=true&outcome=failed`, []],
  ];
  for (const [query, expected] of cases) {
    assert.deepEqual(await listIds(`?${query}`), expected, query);
  }
});

test('pages follow one another with next_cursor, and the last page has none', async () => {
  const seen: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: Array<{ id: string }>; next_cursor: string | null } = await list(
      `?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
    );
    sizes.push(page.data.length);
    seen.push(...page.data.map((call) => call.id));
    cursor = page.next_cursor;
  } while (cursor);
  assert.deepEqual(sizes, [2, 2, 2], 'six calls in pages of two: no empty fourth page');
  assert.deepEqual(seen, named('live', 'voicemail', 'modelFailed', 'handedOn', 'busy', 'answered'));

  // With a filter, the cursor walks the filtered list.
  const first = await list('?direction=outbound&limit=3');
  assert.deepEqual(
    first.data.map((call: { id: string }) => call.id),
    named('live', 'voicemail', 'busy'),
  );
  const second = await list(`?direction=outbound&limit=3&cursor=${first.next_cursor}`);
  assert.deepEqual(
    second.data.map((call: { id: string }) => call.id),
    named('answered'),
  );
  assert.equal(second.next_cursor, null);
});

test('a bad filter, limit or cursor is a 400 that names the field', async () => {
  const forged = encodeCursor({ at: '2026-01-01T10:00:00Z', id: 'call_x' }).slice(0, -2);
  const cases: Array<[string, string]> = [
    ['status=answered', 'status'],
    ['direction=sideways', 'direction'],
    ['from=4155550101', 'from'],
    ['to=%2Babc', 'to'],
    ['agent_id=not%20an%20id', 'agent_id'],
    ['agent_version_id=' + 'v'.repeat(101), 'agent_version_id'],
    ['escalated=yes', 'escalated'],
    ['escalated=1', 'escalated'],
    ['outcome=success', 'outcome'],
    ['created_after=yesterday', 'created_after'],
    ['created_before=2026-01-01', 'created_before'],
    ['created_after=2026-02-30T00:00:00Z', 'created_after'],
    ['created_after=2026-01-02T00:00:00Z&created_before=2026-01-01T00:00:00Z', 'created_before'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${forged}`, 'cursor'],
    [`cursor=${Buffer.from('["yesterday","call_x"]').toString('base64url')}`, 'cursor'],
    ['status=completed&status=busy', 'status'],
    ['stauts=completed', 'stauts'],
  ];
  for (const [query, field] of cases) {
    const answer = await asTenant(harness, key, 'GET', `/api/v1/call-logs?${query}`);
    assert.equal(answer.status, 400, `${query}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.error.code, 'invalid_request', query);
    assert.deepEqual(
      answer.body.error.details.map((problem: { field: string }) => problem.field),
      [field],
      query,
    );
  }
});

test('needs the calls:read scope', async () => {
  const writer = await createTenantWithKey(harness, 'Writes only', { scopes: ['calls:write'] });
  const answer = await asTenant(harness, writer.key, 'GET', '/api/v1/call-logs');
  assert.equal(answer.status, 403);
  const none = await harness.request('GET', '/api/v1/call-logs');
  assert.equal(none.status, 401);
});

test('paging while calls are inserted: every call that existed appears once, in order', async () => {
  const paged = await createTenantWithKey(harness, 'Busy tenant', { scopes: ['calls:read'] });
  const base = Date.parse('2026-02-01T00:00:00.000Z');
  const existing: string[] = [];
  const seed = (createdAt: string) =>
    seedCall(paged.tenant.id, {
      direction: 'outbound',
      from: OWN_NUMBER,
      to: CUSTOMER,
      status: 'completed',
      outcome: 'completed',
      createdAt,
    });
  // Calls a second apart; calls microseconds apart in one millisecond (a cursor that kept only
  // milliseconds would skip some); and calls sharing one instant, ordered by id alone.
  for (let index = 0; index < 20; index += 1)
    existing.push(await seed(new Date(base + index * 1_000).toISOString()));
  for (let index = 1; index <= 20; index += 1)
    existing.push(await seed(`2026-02-01T00:00:30.123${String(index).padStart(3, '0')}Z`));
  for (let index = 0; index < 20; index += 1) existing.push(await seed('2026-02-01T00:00:45Z'));
  const expectedOrder = (
    await harness.db.query<{ id: string }>(
      'SELECT id FROM calls WHERE id = ANY($1) ORDER BY created_at DESC, id DESC',
      [existing],
    )
  ).rows.map((row) => row.id);

  // Meanwhile: new calls, some now, some inside the range being paged (as a slow transaction's
  // created_at would be), before and after wherever the cursor is.
  let inserting = true;
  let inserted = 0;
  const inserter = (async () => {
    while (inserting) {
      const backdated = new Date(base + Math.floor(Math.random() * 50_000)).toISOString();
      await seed(inserted % 2 === 0 ? new Date().toISOString() : backdated);
      inserted += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  try {
    do {
      const page: { data: Array<{ id: string }>; next_cursor: string | null } = await list(
        `?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        paged.key,
      );
      seen.push(...page.data.map((call) => call.id));
      cursor = page.next_cursor;
      pages += 1;
      // Let several inserts land between two pages.
      await new Promise((resolve) => setTimeout(resolve, 30));
    } while (cursor);
  } finally {
    inserting = false;
    await inserter;
  }

  assert.ok(inserted >= pages, `calls were inserted while paging (${inserted} in ${pages} pages)`);
  assert.equal(new Set(seen).size, seen.length, 'no call on two pages');
  const existingSet = new Set(existing);
  assert.deepEqual(
    seen.filter((id) => existingSet.has(id)),
    expectedOrder,
    'every call that existed appears once, newest first',
  );

  // The whole walk, new calls included, never goes back up the order (PostgreSQL's, collation
  // and microseconds included).
  const inOrder = await harness.db.query<{ id: string }>(
    'SELECT id FROM calls WHERE id = ANY($1) ORDER BY created_at DESC, id DESC',
    [seen],
  );
  assert.deepEqual(
    seen,
    inOrder.rows.map((row) => row.id),
  );
});

test('an index serves the list in order, with and without a filter, with no sort', async () => {
  const big = await createTenantWithKey(harness, 'Many calls', { scopes: ['calls:read'] });
  await harness.db.query(
    `INSERT INTO calls (id, tenant_id, direction, status, from_number, to_number, workflow_id,
       escalated, created_at)
     SELECT 'call_bulk_' || n, $1, 'outbound', 'completed', $2, '+1415555' || lpad((n % 1000)::text, 4, '0'),
       'call-call_bulk_' || n, n % 500 = 0, timestamptz '2026-03-01' + n * interval '1 second'
     FROM generate_series(1, 20000) AS n`,
    [big.tenant.id, OWN_NUMBER],
  );
  await harness.db.query('ANALYZE calls');

  const after = { at: '2026-03-01T02:00:00.000000Z', id: 'call_bulk_7200' };
  const cases: Array<[string, Parameters<typeof callLogSql>[1], string]> = [
    ['first page', {}, 'calls_tenant_created'],
    ['a later page', {}, 'calls_tenant_created'],
    ['by number', { to: '+14155550042' }, 'calls_tenant_to'],
    ['escalated', { escalated: true }, 'calls_tenant_escalated'],
  ];
  for (const [label, filter, index] of cases) {
    const page = label === 'a later page' ? { after, limit: 25 } : { limit: 25 };
    const { text, params } = callLogSql(big.tenant.id, filter, page);
    const explained = await harness.db.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (FORMAT JSON) ${text}`,
      params,
    );
    const plan = JSON.stringify(explained.rows[0]?.['QUERY PLAN']);
    assert.ok(plan.includes(`"Index Name":"${index}"`), `${label} uses ${index}: ${plan}`);
    assert.ok(!plan.includes('"Node Type":"Sort"'), `${label} needs no sort: ${plan}`);
  }
});
