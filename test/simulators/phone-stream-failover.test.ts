/**
 * A call handed a second stream (its bridge died and the Connect action gave
 * Twilio a new one) keeps its caller: the person goes on where they were,
 * and the sentence the dead stream cut off is said again on the new one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import twilio from 'twilio';
import { MULAW_SILENCE, mulawRms, synthesizeTone } from '../../simulators/audio.js';
import { startPhoneSimulator, type PhoneSimulator } from '../../simulators/phone/index.js';
import {
  startBridge,
  startWebhookReceiver,
  type BridgeConnection,
  type StreamMessage,
} from './phone-simulator-fixtures.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'simulator-auth-token';
const OUR_NUMBER = '+15005550006';
const CALLER = '+15005550140';
const UTTERANCE_MS = [400, 800, 1_200];

let sim: PhoneSimulator;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let bridge: Awaited<ReturnType<typeof startBridge>>;

before(async () => {
  receiver = await startWebhookReceiver(AUTH_TOKEN);
  bridge = await startBridge();
  sim = await startPhoneSimulator({ accounts: { [ACCOUNT_SID]: AUTH_TOKEN } });
});
after(async () => {
  await sim.close();
  await bridge.close();
  await receiver.close();
});

const isVoiced = (message: StreamMessage) =>
  message.media !== undefined && mulawRms(Buffer.from(message.media.payload, 'base64')) > 300;

function voicedMs(stream: BridgeConnection): number {
  return stream.messages.filter(isVoiced).length * 20;
}

function speakAsAgent(stream: BridgeConnection, streamSid: string, durationMs: number): void {
  const payload = synthesizeTone(durationMs).toString('base64');
  stream.send({ event: 'media', streamSid, media: { payload } });
}

test('after a stream is lost the party carries on in the next stream, repeating the cut sentence', async () => {
  const silence = Buffer.alloc(6_400, MULAW_SILENCE);
  sim.setParty(CALLER, {
    answer: 'answer',
    audio: Buffer.concat(UTTERANCE_MS.flatMap((ms) => [synthesizeTone(ms), silence])),
    hangupAfterAudioMs: 300,
  });
  const connect = (action: string) =>
    `<Connect action="${action}"><Stream url="${bridge.url}"/></Connect>`;
  receiver.onRequest((webhook) =>
    webhook.path === '/voice/stream-lost'
      ? { body: `<Response>${connect('/voice/stream-ended')}</Response>` }
      : { body: '<Response><Hangup/></Response>' },
  );
  const client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.api.baseUrl = sim.apiBaseUrl;
  const created = await client.calls.create({
    to: CALLER,
    from: OUR_NUMBER,
    twiml: `<Response>${connect(receiver.url('/voice/stream-lost'))}</Response>`,
  });

  // The first stream: the agent speaks, the party answers once and is cut off in its second sentence.
  const first = await bridge.nextConnection();
  const firstStart = await first.waitFor((message) => message.event === 'start');
  speakAsAgent(first, firstStart.streamSid ?? '', 300);
  const firstVoiced = await first.waitFor(isVoiced, 4_000);
  const secondSentence = await first.waitFor(
    (message) =>
      isVoiced(message) && Number(message.media?.chunk) > Number(firstVoiced.media?.chunk) + 40,
    8_000,
  );
  await first.waitFor(
    (message) => Number(message.media?.chunk) >= Number(secondSentence.media?.chunk) + 10,
  );
  first.terminate();

  // The second stream: after the agent's recovery line, the cut sentence again, then the last.
  const second = await bridge.nextConnection(8_000);
  const secondStart = await second.waitFor((message) => message.event === 'start');
  speakAsAgent(second, secondStart.streamSid ?? '', 300);
  const call = await sim.waitForCallEnd(created.sid, 15_000);

  assert.equal(call.streams.length, 2);
  const [lost, resumed] = call.streams;
  assert.deepEqual(
    lost?.utterancesPlayed.map((played) => [played.index, played.endedAtStreamMs !== null]),
    [
      [0, true],
      [1, false],
    ],
  );
  assert.deepEqual(
    resumed?.utterancesPlayed.map((played) => [played.index, played.endedAtStreamMs !== null]),
    [
      [1, true],
      [2, true],
    ],
  );
  // Voiced audio on the new stream: the whole second sentence and the third (a frame's slack each).
  const expectedMs = (UTTERANCE_MS[1] ?? 0) + (UTTERANCE_MS[2] ?? 0);
  assert.ok(Math.abs(voicedMs(second) - expectedMs) <= 60, `voiced ${voicedMs(second)} ms`);
  assert.equal(call.endedBy, 'party');
  assert.equal(receiver.byPath('/voice/stream-lost').length, 1);
});
