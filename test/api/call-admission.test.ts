/**
 * Call admission reserves a tenant's slot under its lock, then records the
 * call and starts its workflow without the lock: a slow Temporal does not
 * make one tenant's calls wait for each other, and a call Temporal refused
 * gives its slot back at once. (The limits themselves: rate-limits.test.ts.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createApp } from '../../api/app.js';
import { createCallGateway } from '../../api/call-gateway.js';
import type { Config } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { connectClient } from '../../lib/temporal.js';
import { computeSignature } from '../../lib/twilio-signature.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { createApprovedAgent, createRoute, createTenantWithKey } from '../support/admin-client.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** Each way: a workflow start (one round trip) takes at least twice this. */
const TEMPORAL_DELAY_MS = 300;
const CALLS_AT_ONCE = 5;

let harness: ApiHarness;
let proxy: TcpProxy;
before(async () => {
  harness = await startApiHarness();
  const [host, port] = harness.config.temporal.address.split(':');
  proxy = await startTcpProxy(
    { host: host ?? '127.0.0.1', port: Number(port) },
    { delayMs: TEMPORAL_DELAY_MS },
  );
});
after(async () => {
  await proxy.close();
  await harness.stop();
});

/** The api as the harness runs it, but with Temporal at another address. */
async function apiWithTemporalAt(address: string, connectTimeoutMs?: number) {
  const config: Config = {
    ...harness.config,
    temporal: {
      ...harness.config.temporal,
      address,
      ...(connectTimeoutMs ? { connectTimeoutMs } : {}),
    },
  };
  const client = connectClient(config);
  const server: Server = createApp({
    config,
    db: harness.db,
    calls: createCallGateway(() => client, config.temporal.taskQueue),
    logger: createLogger('silent'),
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      server.close();
      await client.then(
        async (connected) => {
          // Nothing serves these calls: end their workflows.
          const started = await harness.db.query<{ workflow_id: string }>(
            'SELECT workflow_id FROM calls',
          );
          for (const { workflow_id } of started.rows)
            await connected.workflow
              .getHandle(workflow_id)
              .terminate('test finished')
              .catch(() => undefined);
          await connected.connection.close();
        },
        () => undefined,
      );
    },
  };
}

async function tenantWithNumber(name: string, number: string, limits: Record<string, number>) {
  const { tenant, key } = await createTenantWithKey(harness, name, { limits });
  const { agent, version } = await createApprovedAgent(harness, tenant.id);
  await createRoute(harness, tenant.id, agent.id, number, [[version.id, 100]]);
  const makeCall = async (apiUrl: string) => {
    const startedAt = performance.now();
    const response = await fetch(`${apiUrl}/api/v1/make-call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+14155550142', from: number, agent_key: agent.key }),
    });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - startedAt };
  };
  return { tenant, makeCall };
}

test("a slow Temporal does not queue one tenant's calls behind each other", async () => {
  const api = await apiWithTemporalAt(`127.0.0.1:${proxy.port}`);
  try {
    const { tenant, makeCall } = await tenantWithNumber('Slow Temporal', '+15005550801', {
      max_concurrent_calls: 50,
      calls_per_minute: 100,
    });
    // The connection to Temporal is made once, by the first call.
    assert.equal((await makeCall(api.url)).status, 202);

    const startedAt = performance.now();
    const answers = await Promise.all(
      Array.from({ length: CALLS_AT_ONCE }, () => makeCall(api.url)),
    );
    const elapsedMs = performance.now() - startedAt;
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array(CALLS_AT_ONCE).fill(202),
    );
    // One after another (the tenant's lock held across each start) would take 5 x 600 ms.
    const oneStartMs = 2 * TEMPORAL_DELAY_MS;
    assert.ok(
      elapsedMs < (CALLS_AT_ONCE * oneStartMs) / 2,
      `${CALLS_AT_ONCE} calls took ${Math.round(elapsedMs)} ms`,
    );
    const recorded = await harness.db.query('SELECT 1 FROM calls WHERE tenant_id = $1', [
      tenant.id,
    ]);
    assert.equal(recorded.rowCount, CALLS_AT_ONCE + 1);
    const reserved = await harness.db.query(
      'SELECT 1 FROM call_admission_reservations WHERE tenant_id = $1',
      [tenant.id],
    );
    assert.equal(reserved.rowCount, 0, 'every recorded call took its reservation back');
  } finally {
    await api.close();
  }
});

test('a call Temporal refused (503) gives its slot back at once', async () => {
  const { tenant, makeCall } = await tenantWithNumber('One Line', '+15005550802', {
    max_concurrent_calls: 1,
    calls_per_minute: 100,
  });
  const down = await apiWithTemporalAt('127.0.0.1:1', 500);
  try {
    assert.equal((await makeCall(down.url)).status, 503);
  } finally {
    await down.close();
  }
  const reserved = await harness.db.query(
    'SELECT 1 FROM call_admission_reservations WHERE tenant_id = $1',
    [tenant.id],
  );
  assert.equal(reserved.rowCount, 0);
  // The only line is free: the harness's own api (Temporal up) takes the next call.
  assert.equal((await makeCall(harness.url)).status, 202);
});

test('two deliveries of one incoming-call webhook at once record the call once, in one slot', async () => {
  const number = '+15005550803';
  const { tenant } = await tenantWithNumber('Retried Webhook', number, {
    max_concurrent_calls: 1,
    calls_per_minute: 100,
  });
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const url = `${harness.url}/api/v1/incoming-call`;
  const form = {
    CallSid: callSid,
    AccountSid: harness.config.twilio.accountSid,
    From: '+14155550144',
    To: number,
  };
  const parameters = new Map(Object.entries(form).map(([name, value]) => [name, [value]]));
  const deliver = async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': computeSignature(harness.config.twilio.authToken, url, parameters),
      },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, twiml: await response.text() };
  };
  // The tenant's one line is enough for both: they are the same call.
  for (const answer of await Promise.all([deliver(), deliver()])) {
    assert.equal(answer.status, 200);
    assert.match(answer.twiml, /<Stream /);
  }
  const calls = await harness.db.query('SELECT 1 FROM calls WHERE tenant_id = $1', [tenant.id]);
  assert.equal(calls.rowCount, 1);
  const ringing = await harness.db.query(
    "SELECT 1 FROM call_events WHERE call_id = $1 AND type = 'ringing'",
    [`call_${callSid}`],
  );
  assert.equal(ringing.rowCount, 1);
  const reserved = await harness.db.query(
    'SELECT 1 FROM call_admission_reservations WHERE tenant_id = $1',
    [tenant.id],
  );
  assert.equal(reserved.rowCount, 0);
});
