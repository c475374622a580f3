import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { inboundCallId } from '../../workflows/ids.js';
import { readingParty, RECORDING_SENTENCES } from '../support/fixtures.js';
import { captureLog, type CapturedLog } from '../support/log-sink.js';
import { postJson, startTestStack } from '../support/stack.js';
import { waitForEvaluatedRecord } from './call-record.js';

const ADMIN_KEY = `admin-${randomBytes(18).toString('hex')}`;

let stack: Stack;
let log: CapturedLog;
before(async () => {
  // One logger, at the default level, for the api, the bridge, the worker and the Temporal SDK.
  log = captureLog('info');
  stack = await startTestStack({ logger: log.logger, adminApiKey: ADMIN_KEY });
});
after(() => stack.stop());

/** What must never be in a line, with a name to report it by. */
function forbiddenValues(records: any[], streamTokens: string[]): Array<[string, string]> {
  const forbidden: Array<[string, string]> = [];
  for (const number of [DEMO_CALLEE, DEMO_NUMBER]) {
    forbidden.push([`phone ${number}`, number], [`national digits of ${number}`, number.slice(2)]);
  }
  for (const sentence of RECORDING_SENTENCES) forbidden.push(['caller sentence', sentence]);
  for (const record of records) {
    for (const turn of record.transcript) {
      // Short turns ("Okay.") could match by chance; every scripted sentence is longer.
      if (turn.text.length >= 12) forbidden.push([`${turn.role} turn`, turn.text]);
    }
    for (const call of record.function_calls) {
      forbidden.push([`${call.name} arguments`, JSON.stringify(call.arguments)]);
      if (call.arguments?.order_id) forbidden.push(['tool argument', call.arguments.order_id]);
    }
  }
  forbidden.push(
    ['tenant api key', stack.tenant.apiKey],
    ['admin key', ADMIN_KEY],
    ['twilio auth token', stack.config.twilio.authToken],
    ['openai api key', stack.config.openai.apiKey],
    ['stream token secret', stack.config.media.streamTokenSecret],
    ['tool webhook secret', stack.toolSecret],
    ['secrets master key', stack.config.secretsMasterKey.toString('hex')],
  );
  for (const token of streamTokens) forbidden.push(['stream token', token]);
  return forbidden;
}

test('an outbound call with a tool and an inbound call leave no number, words or secret in any log line', async () => {
  stack.phone.setParty(DEMO_CALLEE, readingParty());
  const accepted = await postJson(stack, '/api/v1/make-call', {
    to: DEMO_CALLEE,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
  });
  assert.equal(accepted.status, 202);
  const inbound = await stack.phone.placeInboundCall({
    accountSid: stack.config.twilio.accountSid,
    from: DEMO_CALLEE,
    to: DEMO_NUMBER,
    webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
    statusCallbackUrl: `${stack.apiUrl}/api/v1/call-status`,
    party: readingParty(),
  });
  const admin = await fetch(
    `${stack.apiUrl}/api/v1/admin/agents/${stack.tenant.agentId}/versions`,
    { headers: { 'x-admin-key': ADMIN_KEY } },
  );
  assert.equal(admin.status, 200);

  const records = await Promise.all([
    waitForEvaluatedRecord(stack, accepted.body.call_id),
    waitForEvaluatedRecord(stack, inboundCallId(inbound.sid)),
  ]);
  for (const record of records) {
    assert.equal(record.outcome, 'completed');
    assert.ok(record.function_calls.some((call: any) => call.name === 'check_order_status'));
  }
  const streamTokens = [...stack.phone.calls.values()]
    .map((call) => call.stream?.customParameters.stream_token)
    .filter((token): token is string => typeof token === 'string');
  assert.equal(streamTokens.length, 2, 'both calls had a stream token to look for');

  // The scan: every line, whole, as written.
  const lines = log.lines.map((line) => JSON.stringify(line));
  assert.ok(lines.length >= 10, `${lines.length} lines`);
  for (const [what, value] of forbiddenValues(records, streamTokens)) {
    const leaking = lines.find((line) => line.includes(value));
    assert.equal(leaking, undefined, `${what} in a log line: ${leaking}`);
  }

  // Not vacuous: each part logged both calls, each line naming its call.
  for (const record of records) {
    const ofCall = log.lines.filter((line) => line.callId === record.id);
    const messages = new Set(ofCall.map((line) => line.msg));
    for (const expected of ['call status from twilio', 'media session live', 'call ended']) {
      assert.ok(
        messages.has(expected),
        `${expected} for ${record.id}: ${[...messages].join(', ')}`,
      );
    }
    const ended = ofCall.find((line) => line.msg === 'call ended');
    assert.equal(ended?.workflowId, record.workflow_id, 'the activity line names its workflow');
    const live = ofCall.find((line) => line.msg === 'media session live');
    assert.equal(live?.callSid, record.call_sid);
    assert.equal(live?.workflowId, record.workflow_id);
  }
  assert.ok(
    lines.every((line) => !line.includes('"taskToken":"C')),
    'activity task tokens are redacted',
  );
});
