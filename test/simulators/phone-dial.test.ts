import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import twilio from 'twilio';
import { startPhoneSimulator, type PhoneSimulator } from '../../simulators/phone/index.js';
import { startWebhookReceiver } from './phone-simulator-fixtures.js';

const ACCOUNT_SID = `AC${'fedcba9876543210'.repeat(2)}`;
const AUTH_TOKEN = 'dial-auth-token';
const OUR_NUMBER = '+15005550006';

let sim: PhoneSimulator;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let client: ReturnType<typeof twilio>;

before(async () => {
  receiver = await startWebhookReceiver(AUTH_TOKEN);
  sim = await startPhoneSimulator({
    accounts: { [ACCOUNT_SID]: AUTH_TOKEN },
    sayMsPerCharacter: 1,
    parties: {
      '+15005550201': { answer: 'answer', maxCallMs: 300 },
      '+15005550202': { answer: 'busy' },
      '+15005550203': { answer: 'no-answer' },
      '+15005550210': { answer: 'answer', maxCallMs: 30_000 },
      '+15005550211': { answer: 'answer', maxCallMs: 600 },
    },
  });
  client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.api.baseUrl = sim.apiBaseUrl;
});
after(async () => {
  await sim.close();
  await receiver.close();
});

async function dialFrom(caller: string, dial: string) {
  const created = await client.calls.create({
    to: caller,
    from: OUR_NUMBER,
    twiml: `<Response>${dial}<Say>after the dial</Say></Response>`,
  });
  return sim.waitForCallEnd(created.sid, 30_000);
}

test('a <Dial> reports answered, busy and unanswered operators to its action with signed parameters', async () => {
  receiver.onRequest(() => ({ body: '<Response><Hangup/></Response>' }));
  const action = receiver.url('/dialed');
  const cases: Array<[string, string]> = [
    ['+15005550201', 'completed'],
    ['+15005550202', 'busy'],
    ['+15005550203', 'no-answer'],
  ];
  for (const [operator, expected] of cases) {
    const call = await dialFrom(
      '+15005550210',
      `<Dial action="${action}" timeout="5"><Number>${operator}</Number></Dial>`,
    );
    assert.equal(call.dials[0]?.target, operator);
    assert.equal(call.dials[0]?.status, expected);
    const reported = receiver.byPath('/dialed').at(-1);
    assert.equal(reported?.signatureValid, true);
    assert.equal(reported?.params.DialCallStatus, expected);
    assert.equal(reported?.params.CallSid, call.sid);
    assert.match(reported?.params.DialCallSid ?? '', /^CA[0-9a-f]{32}$/);
    // The action's <Hangup/> replaced the rest of the document.
    assert.ok(!call.events.some((event) => event.type === 'twiml-say'));
  }
});

test('a <Dial> without an action goes on to the next verb; two legs in one room leave together', async () => {
  const noAction = await dialFrom(
    '+15005550210',
    '<Dial timeout="5"><Number>+15005550202</Number></Dial>',
  );
  assert.equal(noAction.dials[0]?.status, 'busy');
  assert.ok(noAction.events.some((event) => event.type === 'twiml-say'));

  const room = '<Dial><Conference>room-1</Conference></Dial>';
  const [held, operator] = await Promise.all([
    client.calls.create({
      to: '+15005550210',
      from: OUR_NUMBER,
      twiml: `<Response>${room}<Hangup/></Response>`,
    }),
    client.calls.create({
      to: '+15005550211',
      from: OUR_NUMBER,
      twiml: `<Response><Say>summary</Say>${room}</Response>`,
    }),
  ]);
  // The operator's party hangs up after 600 ms; the room ends and the held caller's dial with it.
  const heldEnded = await sim.waitForCallEnd(held.sid, 30_000);
  const operatorEnded = await sim.waitForCallEnd(operator.sid, 30_000);
  assert.equal(heldEnded.dials[0]?.target, 'conference:room-1');
  assert.equal(heldEnded.dials[0]?.status, 'completed');
  assert.equal(heldEnded.endedBy, 'twiml');
  assert.equal(operatorEnded.endedBy, 'timeout');
});
