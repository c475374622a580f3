import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { finalizeCall } from '../../db/calls.js';
import { computeSignature } from '../../lib/twilio-signature.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import {
  admin,
  asTenant,
  createApprovedAgent,
  createRoute,
  createTenantWithKey,
  expectStatus,
} from '../support/admin-client.js';

/** A tenant with a routed number and an agent, and the given limits. */
async function limitedTenant(
  harness: ApiHarness,
  name: string,
  number: string,
  limits: Record<string, number>,
) {
  const { tenant, key } = await createTenantWithKey(harness, name, { limits });
  const { agent, version } = await createApprovedAgent(harness, tenant.id);
  await createRoute(harness, tenant.id, agent.id, number, [[version.id, 100]]);
  const makeCall = () =>
    asTenant(harness, key, 'POST', '/api/v1/make-call', {
      to: '+14155550142',
      from: number,
      agent_key: agent.key,
    });
  return { tenant, key, makeCall };
}

async function callsOf(harness: ApiHarness, tenantId: string): Promise<number> {
  const result = await harness.db.query('SELECT id FROM calls WHERE tenant_id = $1', [tenantId]);
  return result.rowCount ?? 0;
}

describe('tenant call limits', () => {
  let harness: ApiHarness;
  before(async () => {
    harness = await startApiHarness();
  });
  after(() => harness.stop());

  test('make-call over the concurrent-call limit answers 429 with Retry-After and records nothing', async () => {
    const { tenant, makeCall } = await limitedTenant(harness, 'Two Lines', '+15005550701', {
      max_concurrent_calls: 2,
      calls_per_minute: 100,
    });
    await expectStatus(makeCall(), 202);
    await expectStatus(makeCall(), 202);
    const refused = await makeCall();
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'rate_limited');
    assert.match(refused.body.error.message, /2 live calls \(limit 2\)/);
    assert.equal(refused.headers.get('retry-after'), '10');
    assert.equal(await callsOf(harness, tenant.id), 2);

    // The calls are live until they end; ending one frees a line.
    const live = await harness.db.query<{ id: string }>(
      'SELECT id FROM calls WHERE tenant_id = $1 LIMIT 1',
      [tenant.id],
    );
    await finalizeCall(harness.db, {
      callId: live.rows[0]?.id ?? '',
      tenantId: tenant.id,
      status: 'completed',
      outcome: 'completed',
      durationSec: 30,
      endReason: 'caller_hung_up',
    });
    await expectStatus(makeCall(), 202);
  });

  test('concurrent requests never both take the last line', async () => {
    const { tenant, makeCall } = await limitedTenant(harness, 'Race', '+15005550702', {
      max_concurrent_calls: 2,
      calls_per_minute: 100,
    });
    const answers = await Promise.all(Array.from({ length: 6 }, () => makeCall()));
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [202, 202, 429, 429, 429, 429]);
    assert.equal(await callsOf(harness, tenant.id), 2);
  });

  test('make-call over the calls-per-minute limit answers 429 with the seconds until a slot frees', async () => {
    const { makeCall } = await limitedTenant(harness, 'Slow Dialer', '+15005550703', {
      max_concurrent_calls: 50,
      calls_per_minute: 2,
    });
    await expectStatus(makeCall(), 202);
    await expectStatus(makeCall(), 202);
    const refused = await makeCall();
    assert.equal(refused.status, 429);
    assert.match(refused.body.error.message, /2 calls in the last minute \(limit 2\)/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });

  test('an inbound call over the limit hears polite TwiML, not an error, and is not recorded', async () => {
    const { tenant, makeCall } = await limitedTenant(harness, 'Busy Desk', '+15005550704', {
      max_concurrent_calls: 1,
      calls_per_minute: 100,
    });
    await expectStatus(makeCall(), 202);

    const url = `${harness.url}/api/v1/incoming-call`;
    const form = {
      CallSid: `CA${randomBytes(16).toString('hex')}`,
      AccountSid: harness.config.twilio.accountSid,
      From: '+14155550143',
      To: '+15005550704',
    };
    const parameters = new Map(Object.entries(form).map(([name, value]) => [name, [value]]));
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': computeSignature(harness.config.twilio.authToken, url, parameters),
      },
      body: new URLSearchParams(form).toString(),
    });
    const twiml = await response.text();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.match(twiml, /<Say>Sorry, all of our lines are busy right now/);
    assert.match(twiml, /<Hangup\/>/);
    assert.equal(await callsOf(harness, tenant.id), 1);
  });

  test("a tenant over its request budget gets 429; another tenant's requests still pass", async () => {
    const { key } = await createTenantWithKey(harness, 'Chatty', {
      limits: { requests_per_minute: 5 },
    });
    const { key: quietKey } = await createTenantWithKey(harness, 'Quiet', {
      limits: { requests_per_minute: 5 },
    });
    const read = (tenantKey: string) =>
      asTenant(harness, tenantKey, 'GET', '/api/v1/call-logs/call_missing');
    for (let index = 0; index < 5; index += 1) assert.equal((await read(key)).status, 404);
    const refused = await read(key);
    assert.equal(refused.status, 429);
    assert.match(refused.body.error.message, /this tenant/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((await read(quietKey)).status, 404);
  });
});

describe('requests per client address', () => {
  let harness: ApiHarness;
  before(async () => {
    harness = await startApiHarness({ environment: { API_REQUESTS_PER_MINUTE_PER_ADDRESS: '8' } });
  });
  after(() => harness.stop());

  test('an address over its budget gets 429 on the API, while health and Twilio webhooks pass', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 9; index += 1) {
      statuses.push((await harness.request('GET', '/api/v1/call-logs/call_missing')).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 401, 401, 429]);
    const refused = await admin(harness, 'GET', '/tenants');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((await harness.request('GET', '/api-docs/public.json')).status, 429);

    assert.equal((await harness.request('GET', '/health/live')).status, 200);
    const webhook = await harness.request('POST', '/api/v1/incoming-call', {
      headers: { 'x-twilio-signature': 'x' },
    });
    assert.equal(
      webhook.status,
      403,
      "Twilio's webhook is judged by its signature, not the address budget",
    );
  });
});
