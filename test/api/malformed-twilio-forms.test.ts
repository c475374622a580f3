/**
 * Correctly signed Twilio webhooks with bodies Twilio never sends: repeated
 * names, missing fields, broken percent-encoding, bytes that are not UTF-8, a
 * NUL, a body that claims gzip. Each gets a clear refusal (polite TwiML for
 * the inbound call, 400 for a status callback), never a 500, and no call is
 * recorded for any of them. A name that should come once but comes twice is
 * refused rather than one of its values picked.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { computeSignature, formParameters } from '../../lib/twilio-signature.js';
import { createApprovedAgent, createRoute, createTenantWithKey } from '../support/admin-client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { rawPost } from '../support/raw-http.js';

const OUR_NUMBER = '+15005550501';
const CALLER = '+15005550006';
const FORM = 'application/x-www-form-urlencoded';

let harness: ApiHarness;
before(async () => {
  harness = await startApiHarness();
  const { tenant } = await createTenantWithKey(harness, 'Forms');
  const { agent, version } = await createApprovedAgent(harness, tenant.id);
  await createRoute(harness, tenant.id, agent.id, OUR_NUMBER, [[version.id, 100]]);
});
after(() => harness.stop());

let sequence = 0;
function callSid(): string {
  sequence += 1;
  return `CA${String(sequence).padStart(32, '0')}`;
}

/** Posts `body` signed as Twilio would sign those bytes, so only the form itself is wrong. */
function postSigned(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  const signature = computeSignature(
    harness.config.twilio.authToken,
    `${harness.url}${path}`,
    formParameters(text),
  );
  return rawPost(harness.url, path, body, {
    'content-type': FORM,
    'x-twilio-signature': signature,
    ...headers,
  });
}

async function recordedCalls(): Promise<number> {
  const rows = await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls');
  return rows.rows[0]?.n ?? -1;
}

const account = () => `AccountSid=${harness.config.twilio.accountSid}`;
const politeHangup = /^<\?xml[^>]*\?><Response><Say>[^<]+<\/Say><Hangup\/><\/Response>$/;

test('a well-formed signed inbound call is connected (the baseline the other cases break)', async () => {
  const answer = await postSigned(
    '/api/v1/incoming-call',
    `${account()}&CallSid=${callSid()}&From=%2B15005550006&To=%2B15005550501`,
  );
  assert.equal(answer.status, 200);
  assert.match(answer.body, /<Connect action="[^"]+" method="POST"><Stream url="[^"?]+">/);
  assert.equal(await recordedCalls(), 1);
});

test('an inbound call with a repeated, missing or unreadable field gets polite TwiML and records nothing', async () => {
  const caller = encodeURIComponent(CALLER);
  const to = encodeURIComponent(OUR_NUMBER);
  const cases: Array<[string, string | Buffer, Record<string, string>?]> = [
    ['To repeated', `${account()}&CallSid=${callSid()}&From=${caller}&To=${to}&To=%2B15005550999`],
    [
      'CallSid repeated',
      `${account()}&CallSid=${callSid()}&CallSid=${callSid()}&From=${caller}&To=${to}`,
    ],
    ['To missing', `${account()}&CallSid=${callSid()}&From=${caller}`],
    ['CallSid missing', `${account()}&From=${caller}&To=${to}`],
    ['AccountSid missing', `CallSid=${callSid()}&From=${caller}&To=${to}`],
    ['broken percent-encoding', `${account()}&CallSid=${callSid()}&From=%ZZ%2&To=%2B1500555%G01`],
    ['a NUL in To', `${account()}&CallSid=${callSid()}&From=${caller}&To=%2B15005550501%00`],
    [
      'bytes that are not UTF-8',
      Buffer.concat([
        Buffer.from(`${account()}&CallSid=${callSid()}&From=`),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from(`&To=%2B1500555%C0%AF`),
      ]),
    ],
    ['an empty body', ''],
    ['not a form at all', '{"CallSid": "CA1", "To": "+15005550501"}'],
    [
      'a body that claims gzip',
      `${account()}&CallSid=${callSid()}`,
      { 'content-encoding': 'gzip' },
    ],
  ];

  for (const [name, body, headers] of cases) {
    const answer = await postSigned('/api/v1/incoming-call', body, headers);
    assert.ok(answer.status < 500, `${name}: ${answer.status}`);
    assert.match(String(answer.headers['content-type']), /text\/xml/, name);
    assert.match(answer.body, politeHangup, name);
  }
  assert.equal(await recordedCalls(), 1, 'only the baseline call');
  assert.deepEqual(
    harness.logLines.filter((line) => line.includes('"level":50')),
    [],
    'no error was logged',
  );
});

test('a status callback with a repeated or missing field is a 400, never a 500', async () => {
  const sid = callSid();
  const cases = [
    `${account()}&CallSid=${sid}&CallStatus=completed&CallStatus=busy`,
    `${account()}&CallSid=${sid}&CallSid=${callSid()}&CallStatus=completed`,
    `${account()}&CallSid=${sid}`,
    `${account()}&CallSid=${sid}&CallStatus=completed&CallDuration=-4`,
    `${account()}&CallSid=%ZZ&CallStatus=%E0%A4%A`,
  ];
  for (const body of cases) {
    const answer = await postSigned('/api/v1/call-status', body);
    assert.equal(answer.status, 400, body);
    assert.equal(answer.body, 'unexpected status callback');
  }
});
