/**
 * A polite party that asked something waits for the agent's answer before it
 * goes on, however long the agent takes (up to replyWaitMs), then leaves the
 * agent its turn; without an answer it goes on once that wait is over.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import twilio from 'twilio';
import { MULAW_SILENCE, mulawRms, synthesizeTone } from '../../simulators/audio.js';
import { AGENT_TURN_END_SILENCE_MS } from '../../simulators/phone/party-voice.js';
import { startPhoneSimulator, type PhoneSimulator } from '../../simulators/phone/index.js';
import {
  startBridge,
  type BridgeConnection,
  type StreamMessage,
} from './phone-simulator-fixtures.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'simulator-auth-token';
const OUR_NUMBER = '+15005550006';
const TURN_GAP_MS = 300;

let sim: PhoneSimulator;
let bridge: Awaited<ReturnType<typeof startBridge>>;
let client: ReturnType<typeof twilio>;

before(async () => {
  bridge = await startBridge();
  sim = await startPhoneSimulator({ accounts: { [ACCOUNT_SID]: AUTH_TOKEN } });
  client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.api.baseUrl = sim.apiBaseUrl;
});
after(async () => {
  await sim.close();
  await bridge.close();
});

const isVoiced = (message: StreamMessage) =>
  message.media !== undefined && mulawRms(Buffer.from(message.media.payload, 'base64')) > 300;

/** Stream times (ms) at which each voiced run of the party's frames began. */
function utteranceStartsMs(stream: BridgeConnection): number[] {
  const starts: number[] = [];
  let previousChunk = -2;
  for (const message of stream.messages.filter(isVoiced)) {
    const chunk = Number(message.media?.chunk);
    if (chunk !== previousChunk + 1) starts.push(Number(message.media?.timestamp));
    previousChunk = chunk;
  }
  return starts;
}

async function callParty(to: string, replyWaitMs: number) {
  // 800 ms apart: two utterances (gaps under 700 ms are one).
  const silence = Buffer.alloc(6_400, MULAW_SILENCE);
  sim.setParty(to, {
    answer: 'answer',
    audio: Buffer.concat([synthesizeTone(300), silence, synthesizeTone(300)]),
    turnGapMs: TURN_GAP_MS,
    waitForReplyAfter: [0],
    replyWaitMs,
    hangupAfterAudioMs: 200,
  });
  const twiml = `<Response><Connect><Stream url="${bridge.url}"/></Connect></Response>`;
  const created = await client.calls.create({ to, from: OUR_NUMBER, twiml });
  const stream = await bridge.nextConnection();
  const start = await stream.waitFor((message) => message.event === 'start');
  return { created, stream, streamSid: start.streamSid ?? '' };
}

test('after an utterance it asked with, the party waits for the answer and then its end', async () => {
  const { created, stream, streamSid } = await callParty('+15005550150', 15_000);
  const first = await stream.waitFor(isVoiced, 6_000);

  // The agent answers 2.5 s after the question: far past the 300 ms turn gap.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const answerAtMs = Number(stream.messages.findLast((message) => message.media)?.media?.timestamp);
  const payload = synthesizeTone(500).toString('base64');
  stream.send({ event: 'media', streamSid, media: { payload } });
  await sim.waitForCallEnd(created.sid, 8_000);

  const [firstStartMs, secondStartMs] = utteranceStartsMs(stream);
  assert.equal(firstStartMs, Number(first.media?.timestamp));
  assert.ok(secondStartMs !== undefined, 'the party spoke again');
  const earliestMs = answerAtMs + 500 + AGENT_TURN_END_SILENCE_MS - 40;
  assert.ok(
    secondStartMs >= earliestMs,
    `spoke at ${secondStartMs} ms, answer ended ${earliestMs}`,
  );
});

test('with no answer the party goes on once its wait for one is over', async () => {
  const { created, stream } = await callParty('+15005550151', 1_500);
  const first = await stream.waitFor(isVoiced, 6_000);
  await sim.waitForCallEnd(created.sid, 10_000);

  const [, secondStartMs] = utteranceStartsMs(stream);
  assert.ok(secondStartMs !== undefined, 'the party spoke again');
  const firstEndMs = Number(first.media?.timestamp) + 300;
  const waitedMs = secondStartMs - firstEndMs;
  assert.ok(waitedMs >= 1_500 - 40 && waitedMs < 3_500, `waited ${waitedMs} ms`);
});
