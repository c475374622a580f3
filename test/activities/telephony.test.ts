/**
 * The telephony activities against the phone simulator through the official
 * twilio client: ending a call the caller already left is a success (Twilio
 * answers 404, or 21220 for new TwiML), a ringing call is canceled rather than
 * completed, and a spoken last message replaces the call's TwiML.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import twilio from 'twilio';
import { createTelephonyActivities } from '../../activities/telephony.js';
import { startPhoneSimulator, type PhoneSimulator } from '../../simulators/phone/index.js';

const ACCOUNT_SID = `AC${randomBytes(16).toString('hex')}`;
const AUTH_TOKEN = randomBytes(16).toString('hex');

let phone: PhoneSimulator;
let activities: ReturnType<typeof createTelephonyActivities>;
let client: ReturnType<typeof twilio>;

before(async () => {
  phone = await startPhoneSimulator({ accounts: { [ACCOUNT_SID]: AUTH_TOKEN } });
  client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.api.baseUrl = phone.apiBaseUrl;
  activities = createTelephonyActivities({
    twilio: client,
    publicUrl: 'http://localhost:9',
    streamUrl: 'ws://localhost:9/media-stream',
    streamTokenSecret: 'x'.repeat(32),
  });
});
after(() => phone.close());

/** A call whose TwiML just waits, so it stays up until something ends it. */
async function placeWaitingCall(party: Parameters<PhoneSimulator['setParty']>[1]): Promise<string> {
  const to = `+1500558${String(Math.floor(Math.random() * 900_000) + 100_000)}`;
  phone.setParty(to, party);
  const call = await client.calls.create({
    to,
    from: '+15005550001',
    twiml: '<Response><Pause length="60"/></Response>',
  });
  return call.sid;
}

test('hanging up a call Twilio no longer knows is a success, not an error', async () => {
  const result = await activities.hangUpCall({ callSid: `CA${'0'.repeat(32)}` });
  assert.deepEqual(result, { alreadyEnded: true });
});

test('a last message for a call that already ended is a success, not an error', async () => {
  const callSid = await placeWaitingCall({ answer: 'answer', ringMs: 10 });
  await phone.waitForCall((call) => call.sid === callSid && call.status === 'in-progress', 5_000);
  await phone.hangUp(callSid);
  const result = await activities.endCallWithMessage({ callSid, message: 'Goodbye.' });
  assert.deepEqual(result, { alreadyEnded: true });
});

test('a call still ringing is canceled; an answered one is completed', async () => {
  const ringing = await placeWaitingCall({ answer: 'answer', ringMs: 10_000 });
  await phone.waitForCall((call) => call.sid === ringing && call.status === 'ringing', 5_000);
  await activities.hangUpCall({ callSid: ringing, beforeAnswer: true });
  assert.equal((await phone.waitForCallEnd(ringing)).status, 'canceled');

  const answered = await placeWaitingCall({ answer: 'answer', ringMs: 10 });
  await phone.waitForCall((call) => call.sid === answered && call.status === 'in-progress', 5_000);
  await activities.hangUpCall({ callSid: answered });
  const ended = await phone.waitForCallEnd(answered);
  assert.deepEqual([ended.status, ended.endedBy], ['completed', 'api']);
});

test('a last message replaces the TwiML with <Say> and <Hangup>', async () => {
  const callSid = await placeWaitingCall({ answer: 'answer', ringMs: 10 });
  await phone.waitForCall((call) => call.sid === callSid && call.status === 'in-progress', 5_000);
  await activities.endCallWithMessage({ callSid, message: 'We are sorry. Goodbye.' });
  const ended = await phone.waitForCallEnd(callSid);
  assert.equal(
    ended.twimlDocuments.at(-1)?.document.includes('<Say>We are sorry. Goodbye.</Say><Hangup/>'),
    true,
  );
  assert.equal(ended.endedBy, 'twiml');
});
