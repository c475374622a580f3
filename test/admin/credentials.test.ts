import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { secretBoxFromConfig } from '../../lib/secret-box.js';
import { computeSignature } from '../../lib/twilio-signature.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import {
  admin,
  createApprovedAgent,
  createRoute,
  createTenantWithKey,
  expectStatus,
} from '../support/admin-client.js';

let harness: ApiHarness;
let tenantId: string;

before(async () => {
  harness = await startApiHarness();
  ({
    tenant: { id: tenantId },
  } = await createTenantWithKey(harness, 'Secrets Co'));
});
after(() => harness.stop());

const accountSid = () => `AC${randomBytes(16).toString('hex')}`;

test('a credential is sealed at rest, masked in every answer, rotated and deleted', async () => {
  const secret = `whsec_${randomBytes(24).toString('hex')}`;
  const created = await expectStatus(
    admin(harness, 'POST', '/credentials', {
      kind: 'tool_webhook',
      tenant_id: tenantId,
      name: 'billing',
      secret,
    }),
    201,
  );
  assert.equal(created.masked, `${secret.slice(0, 4)}********`);
  assert.equal(created.rotated_at, null);

  const stored = await harness.db.query<{ ciphertext: string; key_id: string }>(
    'SELECT ciphertext, key_id FROM credentials WHERE id = $1',
    [created.id],
  );
  const row = stored.rows[0];
  assert.ok(row && !row.ciphertext.includes(secret));
  const box = secretBoxFromConfig(harness.config);
  assert.equal(row.key_id, box.keyId);
  assert.equal(box.open(row.ciphertext, row.key_id), secret);

  const listed = await expectStatus(
    admin(harness, 'GET', `/credentials?tenant_id=${tenantId}&kind=tool_webhook`),
    200,
  );
  assert.deepEqual(
    listed.data.map((credential: { id: string }) => credential.id),
    [created.id],
  );
  assert.deepEqual(
    await expectStatus(admin(harness, 'GET', `/credentials/${created.id}`), 200),
    created,
  );

  const newSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const rotated = await expectStatus(
    admin(harness, 'POST', `/credentials/${created.id}/rotate`, { secret: newSecret }),
    200,
  );
  assert.ok(rotated.rotated_at);
  const resealed = await harness.db.query<{ ciphertext: string; key_id: string }>(
    'SELECT ciphertext, key_id FROM credentials WHERE id = $1',
    [created.id],
  );
  assert.equal(
    box.open(resealed.rows[0]?.ciphertext ?? '', resealed.rows[0]?.key_id ?? ''),
    newSecret,
  );

  await expectStatus(
    admin(harness, 'POST', '/credentials', {
      kind: 'tool_webhook',
      tenant_id: tenantId,
      name: 'billing',
      secret,
    }),
    409,
  );
  await expectStatus(admin(harness, 'DELETE', `/credentials/${created.id}`), 204);
  await expectStatus(admin(harness, 'GET', `/credentials/${created.id}`), 404);

  const audit = await expectStatus(
    admin(harness, 'GET', `/audit-log?target_id=${created.id}`),
    200,
  );
  assert.deepEqual(
    audit.data.map((entry: { action: string }) => entry.action),
    ['credential.delete', 'credential.rotate', 'credential.create'],
  );
  const everything = JSON.stringify(audit);
  assert.ok(!everything.includes(secret) && !everything.includes(newSecret));
});

/** Posts a webhook signed with `token`, as Twilio does for the account in the form. */
async function postIncomingCall(
  token: string,
  form: Record<string, string>,
  path = '/api/v1/incoming-call',
) {
  const url = `${harness.url}${path}`;
  const parameters = new Map(Object.entries(form).map(([name, value]) => [name, [value]]));
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': computeSignature(token, url, parameters),
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, text: await response.text() };
}

test('inbound signatures are checked with the token of the account Twilio names', async () => {
  const subaccount = accountSid();
  const subaccountToken = randomBytes(16).toString('hex');
  await expectStatus(
    admin(harness, 'POST', '/credentials', {
      kind: 'twilio',
      tenant_id: tenantId,
      account_sid: subaccount,
      auth_token: subaccountToken,
    }),
    201,
  );
  const { agent, version } = await createApprovedAgent(harness, tenantId, 'frontdesk');
  await createRoute(harness, tenantId, agent.id, '+15005550401', [[version.id, 100]]);
  const other = await createTenantWithKey(harness, 'Elsewhere');
  const otherAgent = await createApprovedAgent(harness, other.tenant.id, 'frontdesk');
  await createRoute(harness, other.tenant.id, otherAgent.agent.id, '+15005550402', [
    [otherAgent.version.id, 100],
  ]);

  const form = (to: string, account: string) => ({
    CallSid: `CA${randomBytes(16).toString('hex')}`,
    AccountSid: account,
    From: '+14155550100',
    To: to,
  });

  const connected = await postIncomingCall(subaccountToken, form('+15005550401', subaccount));
  assert.equal(connected.status, 200);
  assert.match(
    connected.text,
    /<Connect action="[^"]+\/stream-ended\?call_id=call_[^"]+" method="POST"><Stream/,
  );

  const platformSigned = await postIncomingCall(
    harness.config.twilio.authToken,
    form('+15005550401', subaccount),
  );
  assert.equal(
    platformSigned.status,
    403,
    "the platform token does not vouch for a subaccount's webhook",
  );

  const crossTenant = await postIncomingCall(subaccountToken, form('+15005550402', subaccount));
  assert.equal(crossTenant.status, 200);
  assert.match(
    crossTenant.text,
    /not in service/,
    "a subaccount cannot reach another tenant's number",
  );

  const platformForm = form('+15005550402', harness.config.twilio.accountSid);
  const platform = await postIncomingCall(harness.config.twilio.authToken, platformForm);
  assert.match(
    platform.text,
    /<Connect action="[^"]+\/stream-ended\?call_id=call_[^"]+" method="POST"><Stream/,
    'the platform account still reaches every routed number',
  );

  const unknownAccount = await postIncomingCall(
    harness.config.twilio.authToken,
    form('+15005550402', accountSid()),
  );
  assert.match(
    unknownAccount.text,
    /<Connect action="[^"]+\/stream-ended\?call_id=call_[^"]+" method="POST"><Stream/,
    'an unknown account falls back to the platform token',
  );
  const forged = await postIncomingCall(
    randomBytes(16).toString('hex'),
    form('+15005550402', accountSid()),
  );
  assert.equal(forged.status, 403);

  const calls = await harness.db.query<{ tenant_id: string }>(
    'SELECT tenant_id FROM calls ORDER BY created_at',
  );
  assert.deepEqual(
    calls.rows.map((row) => row.tenant_id),
    [tenantId, other.tenant.id, other.tenant.id],
    'only the three verified, routed calls were recorded',
  );

  // A subaccount's stream-ended report on another tenant's call is hung up at once: it never
  // reaches the call, so no replacement stream (and no stream token) is handed out for it.
  const otherCallId = /stream-ended\?call_id=(call_[A-Za-z0-9_-]+)/.exec(platform.text)?.[1];
  assert.ok(otherCallId);
  const hijack = await postIncomingCall(
    subaccountToken,
    { ...platformForm, AccountSid: subaccount },
    `/api/v1/stream-ended?call_id=${otherCallId}`,
  );
  assert.equal(hijack.status, 200);
  assert.equal(hijack.text, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');

  // Nor may it report a machine on that call: the result is dropped before the call hears of it.
  // No worker serves this harness: what reached the call is what its history holds.
  const machineSignals = async () => {
    const client = await harness.temporal();
    const history = await client.workflow.getHandle(`call-${otherCallId}`).fetchHistory();
    return (history.events ?? []).filter(
      (event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'machineDetection',
    ).length;
  };
  const foreignMachine = await postIncomingCall(
    subaccountToken,
    { CallSid: platformForm.CallSid, AccountSid: subaccount, AnsweredBy: 'fax' },
    `/api/v1/amd-status?call_id=${otherCallId}`,
  );
  assert.equal(foreignMachine.status, 204);
  // Nor may the platform account with a sid that is not the call's.
  const wrongSid = await postIncomingCall(
    harness.config.twilio.authToken,
    {
      CallSid: `CA${randomBytes(16).toString('hex')}`,
      AccountSid: harness.config.twilio.accountSid,
      AnsweredBy: 'fax',
    },
    `/api/v1/amd-status?call_id=${otherCallId}`,
  );
  assert.equal(wrongSid.status, 204);
  assert.equal(await machineSignals(), 0, 'no machine detection reached the call');
});
