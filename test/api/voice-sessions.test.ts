/**
 * The voice session routes over sessions written as a bridge writes them:
 * tenant isolation (another tenant's session is 404, never listed), which
 * sessions count as active (not ended, on a live instance), filters, keyset
 * paging through ties, and a 400 naming the field for bad input.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { heartbeatBridgeInstance, markBridgeInstanceStopped } from '../../db/bridge-instances.js';
import { insertCall } from '../../db/calls.js';
import { saveVoiceSession, type VoiceSessionSnapshot } from '../../db/voice-sessions.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { asTenant, createTenantWithKey, expectStatus } from '../support/admin-client.js';

let harness: ApiHarness;
let ours: { tenantId: string; key: string; callIds: string[] };
let theirs: { tenantId: string; key: string; callId: string; sessionId: string };
let unscopedKey: string;

const BASE = Date.parse('2026-03-01T12:00:00.000Z');
const at = (minutes: number) => new Date(BASE + minutes * 60_000);

async function registerInstance(id: string, state: 'live' | 'stale' | 'stopped') {
  await heartbeatBridgeInstance(harness.db, {
    id,
    streamUrl: `wss://${id}.example.com/media-stream`,
    heartbeatMs: 60_000,
    staleAfterMs: 180_000,
  });
  if (state === 'stale') {
    await harness.db.query(
      "UPDATE bridge_instances SET heartbeat_at = now() - interval '1 hour' WHERE id = $1",
      [id],
    );
  }
  if (state === 'stopped') await markBridgeInstanceStopped(harness.db, id);
}

async function addCall(tenantId: string, id: string) {
  await insertCall(harness.db, {
    id,
    tenantId,
    direction: 'inbound',
    status: 'in-progress',
    from: '+15005550006',
    to: '+15005550001',
    workflowId: `call-${id}`,
  });
}

function session(overrides: Partial<VoiceSessionSnapshot> & { id: string }): VoiceSessionSnapshot {
  return {
    tenantId: ours.tenantId,
    callId: ours.callIds[0] ?? '',
    streamSid: `MZ${overrides.id}`,
    bridgeInstanceId: 'brg_live',
    state: 'listening',
    stateChangedAt: at(0),
    startedAt: at(0),
    ...overrides,
  };
}

before(async () => {
  harness = await startApiHarness();
  const own = await createTenantWithKey(harness, 'Ours', { scopes: ['calls:read'] });
  const other = await createTenantWithKey(harness, 'Theirs', { scopes: ['calls:read'] });
  unscopedKey = (await createTenantWithKey(harness, 'Writers', { scopes: ['calls:write'] })).key;
  ours = { tenantId: own.tenant.id, key: own.key, callIds: ['call_ours_1', 'call_ours_2'] };
  theirs = {
    tenantId: other.tenant.id,
    key: other.key,
    callId: 'call_theirs_1',
    sessionId: 'vs_theirs_1',
  };
  for (const id of ours.callIds) await addCall(ours.tenantId, id);
  await addCall(theirs.tenantId, theirs.callId);
  await registerInstance('brg_live', 'live');
  await registerInstance('brg_stale', 'stale');
  await registerInstance('brg_stopped', 'stopped');

  const [first, second] = ours.callIds;
  for (const snapshot of [
    session({ id: 'vs_a', callId: first, startedAt: at(1), state: 'agent_speaking' }),
    session({ id: 'vs_b', callId: first, startedAt: at(2), state: 'in_tool' }),
    // Two sessions started in the same microsecond: the id breaks the tie.
    session({ id: 'vs_c1', callId: second, startedAt: at(3), state: 'listening' }),
    session({ id: 'vs_c2', callId: second, startedAt: at(3), state: 'greeting' }),
    session({
      id: 'vs_d',
      callId: second,
      startedAt: at(4),
      state: 'ended',
      stateChangedAt: at(5),
      endedAt: at(5),
      endReason: 'agent_ended_call',
    }),
    session({ id: 'vs_e', callId: second, startedAt: at(6), bridgeInstanceId: 'brg_stale' }),
    session({ id: 'vs_f', callId: second, startedAt: at(7), bridgeInstanceId: 'brg_stopped' }),
    session({
      id: theirs.sessionId,
      tenantId: theirs.tenantId,
      callId: theirs.callId,
      startedAt: at(8),
    }),
  ])
    await saveVoiceSession(harness.db, snapshot);
});
after(() => harness.stop());

const get = (path: string, key = ours.key) => asTenant(harness, key, 'GET', path);
const ids = (body: any) => body.data.map((item: any) => item.id);

test('a tenant lists only its own sessions, newest first, each with its status and links', async () => {
  const body = await expectStatus(get('/api/v1/voice-sessions'), 200);
  assert.deepEqual(ids(body), ['vs_f', 'vs_e', 'vs_d', 'vs_c2', 'vs_c1', 'vs_b', 'vs_a']);
  assert.equal(body.next_cursor, null);
  const byId = new Map(body.data.map((item: any) => [item.id, item]));
  assert.deepEqual(
    ['vs_a', 'vs_d', 'vs_e', 'vs_f'].map((id) => (byId.get(id) as any).status),
    ['active', 'ended', 'lost', 'lost'],
  );
  assert.deepEqual(byId.get('vs_d'), {
    id: 'vs_d',
    call_id: 'call_ours_2',
    stream_sid: 'MZvs_d',
    bridge_instance_id: 'brg_live',
    state: 'ended',
    status: 'ended',
    state_changed_at: at(5).toISOString(),
    started_at: at(4).toISOString(),
    ended_at: at(5).toISOString(),
    end_reason: 'agent_ended_call',
    links: { self: '/api/v1/voice-sessions/vs_d', call: '/api/v1/call-logs/call_ours_2' },
  });
});

test('active: not ended and on a live instance, across instances', async () => {
  const body = await expectStatus(get('/api/v1/voice-sessions/active'), 200);
  assert.deepEqual(ids(body), ['vs_c2', 'vs_c1', 'vs_b', 'vs_a']);
  assert.ok(body.data.every((item: any) => item.status === 'active'));
  const theirsActive = await expectStatus(get('/api/v1/voice-sessions/active', theirs.key), 200);
  assert.deepEqual(ids(theirsActive), [theirs.sessionId]);
});

test("another tenant's session is 404 and never appears in a list, even filtered by its call", async () => {
  const one = await get(`/api/v1/voice-sessions/${theirs.sessionId}`);
  const missing = await get('/api/v1/voice-sessions/vs_never_existed');
  assert.equal(one.status, 404);
  assert.deepEqual(
    [one.body.error.code, one.body.error.message],
    [missing.body.error.code, missing.body.error.message],
  );
  const filtered = await expectStatus(get(`/api/v1/voice-sessions?call_id=${theirs.callId}`), 200);
  assert.deepEqual(filtered.data, []);
  const mine = await expectStatus(
    get(`/api/v1/voice-sessions/${theirs.sessionId}`, theirs.key),
    200,
  );
  assert.equal(mine.call_id, theirs.callId);
});

test('filters: call, state, and a started time range', async () => {
  const byCall = await expectStatus(get('/api/v1/voice-sessions?call_id=call_ours_1'), 200);
  assert.deepEqual(ids(byCall), ['vs_b', 'vs_a']);
  const byState = await expectStatus(get('/api/v1/voice-sessions?state=listening'), 200);
  assert.deepEqual(ids(byState), ['vs_f', 'vs_e', 'vs_c1']);
  const range = new URLSearchParams({
    started_after: at(2).toISOString(),
    started_before: at(4).toISOString(),
  });
  const byTime = await expectStatus(get(`/api/v1/voice-sessions?${range.toString()}`), 200);
  assert.deepEqual(ids(byTime), ['vs_c2', 'vs_c1', 'vs_b']);
});

test('pages walk every session once, in order, through a tie on started_at', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: '2', ...(cursor ? { cursor } : {}) });
    const body: any = await expectStatus(get(`/api/v1/voice-sessions?${query.toString()}`), 200);
    assert.ok(body.data.length <= 2);
    seen.push(...ids(body));
    cursor = body.next_cursor;
    pages += 1;
  } while (cursor && pages < 10);
  assert.deepEqual(seen, ['vs_f', 'vs_e', 'vs_d', 'vs_c2', 'vs_c1', 'vs_b', 'vs_a']);
  assert.equal(pages, 4, 'the last page says there is no next one');

  const active = await expectStatus(get('/api/v1/voice-sessions/active?limit=3'), 200);
  assert.deepEqual(ids(active), ['vs_c2', 'vs_c1', 'vs_b']);
  const rest = await expectStatus(
    get(`/api/v1/voice-sessions/active?limit=3&cursor=${active.next_cursor}`),
    200,
  );
  assert.deepEqual(ids(rest), ['vs_a']);
  assert.equal(rest.next_cursor, null);
});

test('bad input is a 400 naming the field', async () => {
  const cases: Array<[string, string]> = [
    ['/api/v1/voice-sessions?limit=0', 'limit'],
    ['/api/v1/voice-sessions?limit=201', 'limit'],
    ['/api/v1/voice-sessions?state=dancing', 'state'],
    ['/api/v1/voice-sessions?started_after=yesterday', 'started_after'],
    [
      `/api/v1/voice-sessions?started_after=${at(4).toISOString()}&started_before=${at(2).toISOString()}`,
      'started_before',
    ],
    ['/api/v1/voice-sessions?cursor=not%20a%20cursor', 'cursor'],
    [`/api/v1/voice-sessions?cursor=${Buffer.from('12.x y').toString('base64url')}`, 'cursor'],
    ['/api/v1/voice-sessions/active?cursor=%25', 'cursor'],
    ['/api/v1/voice-sessions/active?limit=many', 'limit'],
    [`/api/v1/voice-sessions/${'x'.repeat(101)}`, 'id'],
  ];
  for (const [path, field] of cases) {
    const answer = await get(path);
    assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.error.code, 'invalid_request');
    assert.ok(
      answer.body.error.details.some((problem: any) => problem.field === field),
      `${path} names ${field}: ${JSON.stringify(answer.body.error.details)}`,
    );
  }
  const unknown = await get('/api/v1/voice-sessions?instance=brg_live');
  assert.equal(unknown.status, 400);
  assert.match(JSON.stringify(unknown.body.error.details), /instance/);
});

test('the routes need the calls:read scope', async () => {
  for (const path of [
    '/api/v1/voice-sessions',
    '/api/v1/voice-sessions/active',
    '/api/v1/voice-sessions/vs_a',
  ]) {
    assert.equal((await get(path, unscopedKey)).status, 403, path);
    assert.equal((await harness.request('GET', path)).status, 401, path);
  }
});
