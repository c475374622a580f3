import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import twilio from 'twilio';
import { z } from 'zod';
import {
  FRAME_MS,
  MULAW_SILENCE,
  mulawRms,
  readWavAsMulaw,
  synthesizeTone,
} from '../../simulators/audio.js';
import {
  computeTwilioSignature,
  splitUtterances,
  startPhoneSimulator,
  type PhoneSimulator,
} from '../../simulators/phone/index.js';
import { parseTwiml, TwimlError } from '../../simulators/phone/twiml.js';
import {
  signTwilioRequest,
  startBridge,
  startWebhookReceiver,
  type BridgeConnection,
  type StreamMessage,
} from './phone-simulator-fixtures.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'simulator-auth-token';
const OUR_NUMBER = '+15005550006';
const FIXTURE_PATH = 'test/fixtures/audio/OSR_us_000_0034_8k.wav';

let sim: PhoneSimulator;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let bridge: Awaited<ReturnType<typeof startBridge>>;
let client: ReturnType<typeof twilio>;

before(async () => {
  receiver = await startWebhookReceiver(AUTH_TOKEN);
  bridge = await startBridge();
  sim = await startPhoneSimulator({ accounts: { [ACCOUNT_SID]: AUTH_TOKEN } });
  client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.api.baseUrl = sim.apiBaseUrl;
});

after(async () => {
  await sim.close();
  await bridge.close();
  await receiver.close();
});

function streamTwiml(parameters: Record<string, string> = {}, around = { before: '', after: '' }) {
  const parameterXml = Object.entries(parameters)
    .map(([name, value]) => `<Parameter name="${name}" value="${escapeXml(value)}"/>`)
    .join('');
  const connect = `<Connect><Stream url="${bridge.url}">${parameterXml}</Stream></Connect>`;
  return `<Response>${around.before}${connect}${around.after}</Response>`;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}

async function connectedStream(): Promise<{ stream: BridgeConnection; start: StreamMessage }> {
  const stream = await bridge.nextConnection();
  const start = await stream.waitFor((message) => message.event === 'start');
  return { stream, start };
}

function sendAgentAudio(
  stream: BridgeConnection,
  streamSid: string,
  audio: Buffer,
  chunkBytes = 800,
) {
  for (let offset = 0; offset < audio.length; offset += chunkBytes) {
    const payload = audio.subarray(offset, offset + chunkBytes).toString('base64');
    stream.send({ event: 'media', streamSid, media: { payload } });
  }
}

function isVoiced(message: StreamMessage): boolean {
  return (
    message.media !== undefined && mulawRms(Buffer.from(message.media.payload, 'base64')) > 300
  );
}

describe('signatures and REST errors', () => {
  test('signs exactly as the shared signature vectors', () => {
    const vectorSchema = z.object({
      url: z.string(),
      body: z.string().optional(),
      good: z.string(),
    });
    const vectors = z
      .object({ token: z.string() })
      .catchall(z.unknown())
      .parse(JSON.parse(readFileSync('test/fixtures/signature-vectors.json', 'utf8')));
    for (const name of ['inbound_behind_proxy', 'query_string_as_received', 'bracketed_keys']) {
      const vector = vectorSchema.parse(vectors[name]);
      const params = Object.fromEntries(new URLSearchParams(vector.body));
      assert.equal(computeTwilioSignature(vectors.token, vector.url, params), vector.good, name);
    }
    const upgrade = vectorSchema.parse(vectors.media_stream_upgrade);
    assert.equal(computeTwilioSignature(vectors.token, upgrade.url), upgrade.good);
  });

  test('answers wrong Basic auth with 401 and Twilio error JSON', async () => {
    const intruder = twilio(ACCOUNT_SID, 'wrong-token');
    intruder.api.baseUrl = sim.apiBaseUrl;
    await assert.rejects(
      intruder.calls.create({ to: '+15005550199', from: OUR_NUMBER, twiml: '<Response/>' }),
      {
        status: 401,
        code: 20003,
        moreInfo: 'https://www.twilio.com/docs/errors/20003',
      },
    );
  });

  test('answers missing fields with 400 and unknown calls with 404', async () => {
    await assert.rejects(client.calls.create({ to: '+15005550199', from: OUR_NUMBER }), {
      status: 400,
      code: 21205,
    });
    const response = await fetch(
      `${sim.apiBaseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ From: OUR_NUMBER, Url: receiver.url('/voice') }).toString(),
      },
    );
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      code: 21201,
      message: "No 'To' number is specified",
      more_info: 'https://www.twilio.com/docs/errors/21201',
      status: 400,
    });
    await assert.rejects(client.calls(`CA${'0'.repeat(32)}`).fetch(), { status: 404, code: 20404 });
  });
});

describe('TwiML', () => {
  test('reads entities, comments, parameters and a bare <Dial> number', () => {
    const verbs = parseTwiml(
      `<?xml version="1.0" encoding="UTF-8"?>
      <Response><!-- greeting --><Say voice="alice">Fish &amp; chips &#x2014; now</Say>
        <Connect action="/next"><Stream url="wss://bridge.test/s"><Parameter name="k" value="a&quot;b"/></Stream></Connect>
        <Dial>+15005550111</Dial><Pause length="2"/><Hangup/></Response>`,
    );
    assert.deepEqual(verbs, [
      { verb: 'Say', text: 'Fish & chips \u2014 now' },
      {
        verb: 'Connect',
        action: '/next',
        method: 'POST',
        stream: { url: 'wss://bridge.test/s', name: undefined, parameters: { k: 'a"b' } },
      },
      {
        verb: 'Dial',
        action: undefined,
        method: 'POST',
        timeoutSec: 30,
        target: { kind: 'number', number: '+15005550111' },
      },
      { verb: 'Pause', lengthSec: 2 },
      { verb: 'Hangup' },
    ]);
    assert.throws(() => parseTwiml('<Response><Say>open</Response>'), TwimlError);
    assert.throws(
      () => parseTwiml('<Response><Connect><Stream url="http://x"/></Connect></Response>'),
      TwimlError,
    );
  });
});

describe('an outbound call through the twilio client', () => {
  test('rings, answers, streams paced frames and ends on REST Status=completed', async () => {
    const to = '+15005550100';
    sim.setParty(to, { answer: 'answer', ringMs: 100 });
    const created = await client.calls.create({
      to,
      from: OUR_NUMBER,
      twiml: streamTwiml({ callId: 'call-1', token: 'a b&c' }),
      statusCallback: receiver.url('/status/outbound'),
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    assert.match(created.sid, /^CA[0-9a-f]{32}$/);
    assert.equal(created.status, 'queued');
    assert.equal(created.direction, 'outbound-api');
    assert.equal(created.accountSid, ACCOUNT_SID);

    const { stream, start } = await connectedStream();
    assert.equal(stream.signature, signTwilioRequest(AUTH_TOKEN, bridge.url, {}));
    assert.deepEqual(stream.messages[0], {
      event: 'connected',
      protocol: 'Call',
      version: '1.0.0',
      receivedAtMs: stream.messages[0]?.receivedAtMs,
    });
    assert.equal(start.sequenceNumber, '1');
    assert.match(start.streamSid ?? '', /^MZ[0-9a-f]{32}$/);
    assert.deepEqual(start.start?.customParameters, { callId: 'call-1', token: 'a b&c' });
    assert.deepEqual(start.start?.tracks, ['inbound']);
    assert.deepEqual(start.start?.mediaFormat, {
      encoding: 'audio/x-mulaw',
      sampleRate: 8000,
      channels: 1,
    });
    assert.equal(start.start?.callSid, created.sid);

    const first = await stream.waitFor((message) => message.media?.chunk === '1');
    const fiftieth = await stream.waitFor((message) => message.media?.chunk === '50', 3_000);
    const pacedMs = fiftieth.receivedAtMs - first.receivedAtMs;
    assert.ok(
      pacedMs > 49 * FRAME_MS - 60 && pacedMs < 49 * FRAME_MS + 150,
      `49 frames took ${pacedMs} ms`,
    );
    const media = stream.messages.filter((message) => message.event === 'media').slice(0, 50);
    media.forEach((message, index) => {
      const payload = Buffer.from(message.media?.payload ?? '', 'base64');
      assert.equal(payload.length, 160);
      assert.ok(payload.every((byte) => byte === MULAW_SILENCE));
      assert.equal(message.media?.chunk, String(index + 1));
      assert.equal(message.media?.timestamp, String(index * FRAME_MS));
      assert.equal(message.sequenceNumber, String(index + 2));
    });

    assert.equal((await client.calls(created.sid).fetch()).status, 'in-progress');
    await delay(600);
    await client.calls(created.sid).update({ status: 'completed' });
    const stop = await stream.waitFor((message) => message.event === 'stop');
    assert.deepEqual(stop.stop, { accountSid: ACCOUNT_SID, callSid: created.sid });
    assert.equal(await stream.closeCode, 1000);

    const call = await sim.waitForCallEnd(created.sid);
    assert.equal(call.status, 'completed');
    assert.equal(call.endedBy, 'api');
    assert.ok((call.durationSec ?? 0) >= 1);
    assert.equal(call.stream?.endedBy, 'stop');

    const callbacks = receiver.byPath('/status/outbound');
    assert.deepEqual(
      callbacks.map((callback) => callback.params.CallStatus),
      ['initiated', 'ringing', 'in-progress', 'completed'],
    );
    callbacks.forEach((callback, index) => {
      assert.ok(callback.signatureValid, `callback ${index} signature`);
      assert.ok(
        twilio.validateRequest(AUTH_TOKEN, callback.signature, callback.url, callback.params),
      );
      assert.equal(callback.contentType, 'application/x-www-form-urlencoded');
      assert.equal(callback.params.SequenceNumber, String(index));
      assert.equal(callback.params.CallbackSource, 'call-progress-events');
      assert.equal(callback.params.CallSid, created.sid);
      assert.equal(callback.params.Direction, 'outbound-api');
      assert.match(
        callback.params.Timestamp ?? '',
        /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/,
      );
      assert.equal(
        callback.params.CallDuration,
        index === 3 ? String(call.durationSec) : undefined,
      );
    });
    assert.deepEqual(
      call.statusCallbacks.map((callback) => callback.httpStatus),
      [200, 200, 200, 200],
    );
  });

  test('produces only the final callback for busy and no-answer', async () => {
    for (const outcome of ['busy', 'no-answer'] as const) {
      const to = outcome === 'busy' ? '+15005550101' : '+15005550102';
      sim.setParty(to, { answer: outcome, ringMs: 50 });
      const created = await client.calls.create({
        to,
        from: OUR_NUMBER,
        url: receiver.url('/voice/never'),
        statusCallback: receiver.url(`/status/${outcome}`),
        statusCallbackEvent: ['answered', 'completed'],
      });
      const call = await sim.waitForCallEnd(created.sid);
      assert.equal(call.status, outcome);
      assert.equal(call.durationSec, 0);
      const callbacks = receiver.byPath(`/status/${outcome}`);
      assert.deepEqual(
        callbacks.map((callback) => [callback.params.CallStatus, callback.params.CallDuration]),
        [[outcome, '0']],
      );
      assert.ok(callbacks[0]?.signatureValid);
    }
    assert.equal(receiver.byPath('/voice/never').length, 0);
  });

  test('follows a Url, reports a machine, posts Connect action and follows Redirect', async () => {
    const to = '+15005550103';
    sim.setParty(to, { answer: 'machine', audio: synthesizeTone(400), ringMs: 50 });
    receiver.onRequest((webhook) => {
      if (webhook.path === '/voice/machine') {
        const connect = `<Connect action="/voice/after-stream"><Stream url="${bridge.url}"/></Connect>`;
        return { body: `<Response>${connect}<Say>never said</Say></Response>` };
      }
      if (webhook.path === '/voice/after-stream')
        return { body: '<Response><Redirect>/voice/final</Redirect></Response>' };
      if (webhook.path === '/voice/final') return { body: '<Response><Hangup/></Response>' };
      return undefined;
    });
    const created = await client.calls.create({
      to,
      from: OUR_NUMBER,
      url: receiver.url('/voice/machine'),
      machineDetection: 'Enable',
      statusCallback: receiver.url('/status/machine'),
      statusCallbackEvent: ['answered'],
    });

    const { stream } = await connectedStream();
    const greeting = await stream.waitFor(isVoiced, 2_000);
    assert.ok(Number(greeting.media?.timestamp) < 100, 'a machine greets at once');
    await delay(200);
    stream.close();

    const call = await sim.waitForCallEnd(created.sid);
    receiver.onRequest(() => undefined);
    assert.equal(call.endedBy, 'twiml');
    assert.equal(call.answeredBy, 'machine_start');
    assert.equal(call.stream?.endedBy, 'bridge');
    assert.deepEqual(
      call.webhooks.map((webhook) => [
        webhook.purpose,
        new URL(webhook.url).pathname,
        webhook.httpStatus,
      ]),
      [
        ['voice', '/voice/machine', 200],
        ['connect-action', '/voice/after-stream', 200],
        ['redirect', '/voice/final', 200],
      ],
    );
    const voiceRequest = receiver.byPath('/voice/machine')[0];
    assert.ok(voiceRequest?.signatureValid);
    assert.equal(voiceRequest?.params.AnsweredBy, 'machine_start');
    assert.equal(voiceRequest?.params.CallStatus, 'in-progress');
    assert.ok(receiver.byPath('/voice/final')[0]?.signatureValid);
    assert.ok(!call.events.some((event) => event.type === 'twiml-say'));
    const callbacks = receiver.byPath('/status/machine');
    assert.deepEqual(
      callbacks.map((callback) => [callback.params.CallStatus, callback.params.AnsweredBy]),
      [
        ['in-progress', 'machine_start'],
        ['completed', 'machine_start'],
      ],
    );
  });

  test('replaces the running TwiML on a REST update with Twiml', async () => {
    const created = await client.calls.create({
      to: '+15005550104',
      from: OUR_NUMBER,
      twiml: '<Response><Pause length="30"/></Response>',
    });
    await sim.waitForCall((call) => call.sid === created.sid && call.status === 'in-progress');
    await client.calls(created.sid).update({ twiml: '<Response><Hangup/></Response>' });
    const call = await sim.waitForCallEnd(created.sid, 2_000);
    assert.equal(call.endedBy, 'twiml');
    assert.deepEqual(
      call.twimlDocuments.map((document) => document.source),
      ['create', 'update'],
    );
    const again = await client.calls(created.sid).update({ status: 'completed' });
    assert.equal(again.status, 'completed');
  });
});

describe('the media stream', () => {
  test('echoes marks only after playback and returns pending marks at once on clear', async () => {
    const created = await client.calls.create({
      to: '+15005550110',
      from: OUR_NUMBER,
      twiml: streamTwiml(),
    });
    const { stream, start } = await connectedStream();
    const streamSid = start.streamSid ?? '';

    let sentAtMs = performance.now();
    stream.send({ event: 'mark', streamSid, mark: { name: 'nothing-queued' } });
    const immediate = await stream.waitFor((message) => message.mark?.name === 'nothing-queued');
    assert.ok(immediate.receivedAtMs - sentAtMs < 100);

    sentAtMs = performance.now();
    sendAgentAudio(stream, streamSid, synthesizeTone(500));
    stream.send({ event: 'mark', streamSid, mark: { name: 'half-second' } });
    const played = await stream.waitFor((message) => message.mark?.name === 'half-second');
    const playedAfterMs = played.receivedAtMs - sentAtMs;
    assert.ok(playedAfterMs >= 460 && playedAfterMs < 800, `mark after ${playedAfterMs} ms`);

    sendAgentAudio(stream, streamSid, synthesizeTone(1_000));
    stream.send({ event: 'mark', streamSid, mark: { name: 'first-second' } });
    sendAgentAudio(stream, streamSid, synthesizeTone(1_000));
    stream.send({ event: 'mark', streamSid, mark: { name: 'second-second' } });
    await delay(200);
    const clearedAtMs = performance.now();
    stream.send({ event: 'clear', streamSid });
    const cleared = await stream.waitFor((message) => message.mark?.name === 'second-second');
    assert.ok(cleared.receivedAtMs - clearedAtMs < 100);

    stream.send({ event: 'media', streamSid, media: { payload: '%%%' } });
    stream.send({ event: 'dance', streamSid });
    stream.send({ event: 'mark', streamSid: 'MZ-someone-else', mark: { name: 'foreign' } });
    await delay(100);
    await sim.hangUp(created.sid);

    const call = await sim.waitForCallEnd(created.sid);
    const record = call.stream;
    assert.ok(record);
    assert.equal(call.endedBy, 'party');
    assert.deepEqual(
      record.marksReturned.map((mark) => [mark.name, mark.cause]),
      [
        ['nothing-queued', 'played'],
        ['half-second', 'played'],
        ['first-second', 'cleared'],
        ['second-second', 'cleared'],
      ],
    );
    assert.equal(record.clears.length, 1);
    const discardedMs = (record.clears[0]?.discardedBytes ?? 0) / 8;
    assert.ok(discardedMs > 1_600 && discardedMs < 1_900, `discarded ${discardedMs} ms`);
    assert.equal(record.clears[0]?.marksReturned, 2);
    assert.equal(
      record.marksReceived.find((mark) => mark.name === 'half-second')?.playedAudioMs,
      500,
    );
    assert.equal(record.agentMediaBytes, 2_500 * 8);
    assert.equal(record.invalidMessages.length, 3);
    assert.ok(!stream.messages.some((message) => message.mark?.name === 'foreign'));
  });

  test('records a refused upgrade and carries on with the TwiML', async () => {
    const refusing = await startBridge({ refuseWithStatus: 403 });
    try {
      const created = await client.calls.create({
        to: '+15005550111',
        from: OUR_NUMBER,
        twiml: `<Response><Connect><Stream url="${refusing.url}"/></Connect><Say>Sorry</Say></Response>`,
      });
      const call = await sim.waitForCallEnd(created.sid);
      assert.equal(call.stream?.upgradeStatus, 403);
      assert.equal(call.stream?.endedBy, 'refused');
      assert.equal(call.endedBy, 'twiml');
      assert.ok(call.events.some((event) => event.type === 'twiml-say'));
    } finally {
      await refusing.close();
    }
  });
});

describe('an inbound call', () => {
  test('posts a signed webhook, follows its TwiML and sends dtmf', async () => {
    receiver.onRequest((webhook) =>
      webhook.path === '/incoming'
        ? {
            body: streamTwiml(
              { callId: 'in-1' },
              { before: '<Say>Hi</Say>', after: '<Say>Goodbye</Say>' },
            ),
          }
        : undefined,
    );
    const call = await sim.placeInboundCall({
      accountSid: ACCOUNT_SID,
      from: '+15005550120',
      to: '+15005550001',
      webhookUrl: receiver.url("/incoming?label=Bay'View+North&route=r_17"),
      statusCallbackUrl: receiver.url('/status/inbound'),
    });
    const webhook = receiver.byPath('/incoming')[0];
    assert.ok(webhook?.signatureValid, 'the webhook is signed over the URL with its query');
    assert.deepEqual(webhook.params, {
      AccountSid: ACCOUNT_SID,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: '+15005550120',
      To: '+15005550001',
      Called: '+15005550001',
      Caller: '+15005550120',
    });

    const { stream, start } = await connectedStream();
    assert.deepEqual(start.start?.customParameters, { callId: 'in-1' });
    sim.pressDigits(call.sid, '12#');
    await stream.waitFor((message) => message.dtmf?.digit === '#');
    const digits = stream.messages.flatMap((message) => (message.dtmf ? [message.dtmf] : []));
    assert.deepEqual(digits, [
      { track: 'inbound_track', digit: '1' },
      { track: 'inbound_track', digit: '2' },
      { track: 'inbound_track', digit: '#' },
    ]);
    stream.close();

    const ended = await sim.waitForCallEnd(call.sid);
    receiver.onRequest(() => undefined);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.endedBy, 'twiml');
    assert.equal(ended.stream?.endedBy, 'bridge');
    assert.ok(ended.events.filter((event) => event.type === 'twiml-say').length === 2);
    const callbacks = receiver.byPath('/status/inbound');
    assert.deepEqual(
      callbacks.map((callback) => [callback.params.CallStatus, callback.signatureValid]),
      [['completed', true]],
    );
  });
});

describe("the remote party's speech", () => {
  test('splits the fixture recording into its ten sentences', () => {
    const utterances = splitUtterances(readWavAsMulaw(FIXTURE_PATH));
    const measuredSec = [
      [1.2, 3.7],
      [4.8, 6.7],
      [7.8, 9.8],
      [10.9, 13.8],
      [15.2, 16.9],
      [17.8, 20.3],
      [21.2, 23.9],
      [25.3, 28.1],
      [29.4, 31.1],
      [32.6, 34.7],
    ];
    assert.equal(utterances.length, 10);
    utterances.forEach((utterance, index) => {
      const [startSec = 0, endSec = 0] = measuredSec[index] ?? [];
      assert.ok(Math.abs(utterance.startMs / 1_000 - startSec) < 0.1, `utterance ${index} start`);
      assert.ok(Math.abs(utterance.endMs / 1_000 - endSec) < 0.1, `utterance ${index} end`);
    });
  });

  test('a polite party waits for the agent to finish before each utterance', async () => {
    const silence = Buffer.alloc(6_400, MULAW_SILENCE);
    const to = '+15005550130';
    sim.setParty(to, {
      answer: 'answer',
      audio: Buffer.concat([synthesizeTone(300), silence, synthesizeTone(300)]),
      hangupAfterAudioMs: 300,
    });
    const created = await client.calls.create({ to, from: OUR_NUMBER, twiml: streamTwiml() });
    const { stream, start } = await connectedStream();
    const streamSid = start.streamSid ?? '';
    sendAgentAudio(stream, streamSid, synthesizeTone(500));

    const firstVoiced = await stream.waitFor(isVoiced, 3_000);
    const firstSilent = await stream.waitFor(
      (message) =>
        Number(message.media?.chunk) > Number(firstVoiced.media?.chunk) && !isVoiced(message),
    );
    sendAgentAudio(stream, streamSid, synthesizeTone(1_000));
    const call = await sim.waitForCallEnd(created.sid, 6_000);

    const voiced = stream.messages
      .filter(isVoiced)
      .map((message) => Number(message.media?.timestamp));
    const secondStartMs = voiced.find(
      (timestampMs) => timestampMs > Number(firstSilent.media?.timestamp),
    );
    const firstStartMs = Number(firstVoiced.media?.timestamp);
    const firstEndMs = Number(firstSilent.media?.timestamp);
    assert.ok(firstStartMs >= 500 + 600 - FRAME_MS, `first utterance at ${firstStartMs} ms`);
    assert.ok(secondStartMs !== undefined, 'the party spoke again');
    const gapMs = secondStartMs - firstEndMs;
    assert.ok(gapMs >= 1_000 + 600 - 2 * FRAME_MS && gapMs < 2_200, `gap of ${gapMs} ms`);
    assert.equal(call.endedBy, 'party');
    assert.equal(call.stream?.utterancesPlayed.length, 2);
  });
});
