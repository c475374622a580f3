/**
 * Runs every kind of admin and tenant request that handles a secret, with
 * the product logging at debug, then scans every answer and every log line.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { hashApiKey } from '../../lib/api-keys.js';
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

let harness: ApiHarness;
const issuedKeys: Array<{ key: string; answerIndex: number }> = [];
const credentialSecrets: string[] = [];
const NUMBERS = ['+15005550501', '+14155550177', '+15005550599'];

before(async () => {
  harness = await startApiHarness({ logLevel: 'debug' });
  const remember = (key: string) =>
    issuedKeys.push({ key, answerIndex: harness.answers.length - 1 });

  const { tenant, key, keyId } = await createTenantWithKey(harness, 'Leak Test', {
    scopes: ['calls:read', 'calls:write', 'operator'],
  });
  remember(key);
  const rotated = await expectStatus(
    admin(harness, 'POST', `/tenants/${tenant.id}/api-keys/${keyId}/rotate`, {
      overlap_seconds: 600,
    }),
    201,
  );
  remember(rotated.key);
  const spare = await expectStatus(
    admin(harness, 'POST', `/tenants/${tenant.id}/api-keys`, { scopes: ['calls:read'] }),
    201,
  );
  remember(spare.key);
  await expectStatus(
    admin(harness, 'POST', `/tenants/${tenant.id}/api-keys/${spare.id}/revoke`, {}),
    200,
  );
  await expectStatus(admin(harness, 'GET', `/tenants/${tenant.id}/api-keys`), 200);

  const toolSecret = `whsec_${randomBytes(20).toString('hex')}`;
  const subaccount = `AC${randomBytes(16).toString('hex')}`;
  const subaccountToken = randomBytes(16).toString('hex');
  const rotatedToken = randomBytes(16).toString('hex');
  credentialSecrets.push(toolSecret, subaccountToken, rotatedToken);
  await expectStatus(
    admin(harness, 'POST', '/credentials', {
      kind: 'tool_webhook',
      tenant_id: tenant.id,
      secret: toolSecret,
    }),
    201,
  );
  const twilio = await expectStatus(
    admin(harness, 'POST', '/credentials', {
      kind: 'twilio',
      tenant_id: tenant.id,
      account_sid: subaccount,
      auth_token: subaccountToken,
    }),
    201,
  );
  await expectStatus(admin(harness, 'GET', `/credentials?tenant_id=${tenant.id}`), 200);
  await expectStatus(admin(harness, 'GET', `/credentials/${twilio.id}`), 200);

  const { agent, version } = await createApprovedAgent(harness, tenant.id);
  await createRoute(harness, tenant.id, agent.id, NUMBERS[0] ?? '', [[version.id, 100]]);
  await expectStatus(
    asTenant(harness, rotated.key, 'POST', '/api/v1/make-call', {
      to: NUMBERS[1],
      from: NUMBERS[0],
      agent_key: agent.key,
    }),
    202,
  );
  assert.equal((await asTenant(harness, spare.key, 'GET', '/api/v1/call-logs/call_x')).status, 401);

  // An inbound call signed by the subaccount, after which its token is rotated.
  const url = `${harness.url}/api/v1/incoming-call`;
  const form = {
    CallSid: `CA${randomBytes(16).toString('hex')}`,
    AccountSid: subaccount,
    From: NUMBERS[2] ?? '',
    To: NUMBERS[0] ?? '',
  };
  const signature = computeSignature(
    subaccountToken,
    url,
    new Map(Object.entries(form).map(([k, v]) => [k, [v]])),
  );
  const inbound = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams(form).toString(),
  });
  assert.match(await inbound.text(), /<Connect action="[^"]+" method="POST">/);
  await expectStatus(
    admin(harness, 'POST', `/credentials/${twilio.id}/rotate`, { secret: rotatedToken }),
    200,
  );

  await expectStatus(admin(harness, 'GET', '/audit-log?limit=200'), 200);
});
after(() => harness.stop());

function secretsOf(): string[] {
  return [
    harness.adminKey,
    harness.config.twilio.authToken,
    harness.config.media.streamTokenSecret,
    harness.config.secretsMasterKey.toString('hex'),
    ...credentialSecrets,
    ...issuedKeys.map(({ key }) => hashApiKey(key)),
  ];
}

test('no answer carries a credential secret, the admin key or a key hash', () => {
  assert.ok(harness.answers.length >= 19, `${harness.answers.length} answers recorded`);
  for (const answer of harness.answers) {
    const whole = `${answer.headers}\n${answer.text}`;
    for (const secret of secretsOf()) {
      assert.ok(!whole.includes(secret), `${answer.method} ${answer.path} answered with a secret`);
    }
  }
});

test('a tenant key appears in exactly one answer: the one that issued it', () => {
  for (const { key, answerIndex } of issuedKeys) {
    const carrying = harness.answers
      .map((answer, index) =>
        answer.text.includes(key) || answer.headers.includes(key) ? index : -1,
      )
      .filter((index) => index >= 0);
    assert.deepEqual(carrying, [answerIndex]);
  }
});

test('no log line carries a secret, a tenant key or a full phone number', () => {
  assert.ok(
    harness.logLines.some((line) => line.includes('"msg":"query"')),
    `${harness.logLines.length} log lines captured`,
  );
  assert.ok(
    harness.logLines.some((line) => line.includes('"admin action"')),
    'admin actions are logged',
  );
  const forbidden = [...secretsOf(), ...issuedKeys.map(({ key }) => key), ...NUMBERS];
  for (const line of harness.logLines) {
    for (const secret of forbidden)
      assert.ok(!line.includes(secret), `a log line leaks: ${line.slice(0, 200)}`);
  }
});
