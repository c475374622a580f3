/**
 * POST /api/v1/stream-ended is where Twilio goes when a call's stream ends
 * while the call goes on (`<Connect action>`). It is a Twilio webhook like the
 * others: the signature is checked before anything else, a malformed request
 * is a clear refusal, and a call the product does not hold is hung up rather
 * than left in silence. (The reconnect itself is proved by the bridge failover
 * fault test, with real processes killed.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { computeSignature, formParameters } from '../../lib/twilio-signature.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { rawPost } from '../support/raw-http.js';

const FORM = 'application/x-www-form-urlencoded';
const CALL_SID = 'CA0000000000000000000000000000beef';

let harness: ApiHarness;
before(async () => {
  harness = await startApiHarness();
});
after(() => harness.stop());

function postSigned(path: string, body: string) {
  const signature = computeSignature(
    harness.config.twilio.authToken,
    `${harness.url}${path}`,
    formParameters(body),
  );
  return rawPost(harness.url, path, body, {
    'content-type': FORM,
    'x-twilio-signature': signature,
  });
}

const form = (callSid: string) =>
  `CallSid=${callSid}&AccountSid=${harness.config.twilio.accountSid}&CallStatus=in-progress`;

test('an unsigned or forged report is refused before anything is asked of the call', async () => {
  const path = '/api/v1/stream-ended?call_id=call_x1';
  const unsigned = await rawPost(harness.url, path, form(CALL_SID), { 'content-type': FORM });
  assert.equal(unsigned.status, 403);
  const forged = await rawPost(harness.url, path, form(CALL_SID), {
    'content-type': FORM,
    'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl',
  });
  assert.equal(forged.status, 403);
});

test('a signed report without its call, or with a malformed call sid, is a 400', async () => {
  const noCall = await postSigned('/api/v1/stream-ended', form(CALL_SID));
  assert.equal(noCall.status, 400);
  const badSid = await postSigned('/api/v1/stream-ended?call_id=call_x1', form('CA-not-a-sid'));
  assert.equal(badSid.status, 400);
});

test('a report for a call the product does not hold hangs up', async () => {
  const answer = await postSigned(
    '/api/v1/stream-ended?call_id=call_never_started',
    form(CALL_SID),
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
});
