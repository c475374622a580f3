import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeypadCollector } from '../../media/keypad.js';
import { LastWords } from '../../media/last-words.js';
import {
  asAudioDelta,
  nonPcmuFormats,
  parseModelEvent,
  responseHadAudio,
} from '../../media/model-events.js';
import {
  heardText,
  keypadMessage,
  lastWordsSessionUpdate,
  sessionUpdateFor,
} from '../../media/session-update.js';
import { parseTwilioMessage, twilioMessageSchema } from '../../media/twilio-messages.js';
import type { KeypadEntry, MediaSessionConfig } from '../../workflows/types.js';

const config: MediaSessionConfig = {
  callId: 'call_1',
  tenantId: 'ten_1',
  agentVersionId: 'ver_1',
  instructions: 'Be brief.',
  voice: 'marin',
  tools: [],
  turnDetection: { silence_duration_ms: 500, prefix_padding_ms: 300, threshold: 0.5 },
  endsAt: new Date().toISOString(),
  wrapUpMessage: 'Goodbye.',
  noInput: null,
  maskKeypadDigits: false,
};

test('the first session update keeps both directions on mu-law and sets the voice', () => {
  const update = sessionUpdateFor(config, 'gpt-realtime') as any;
  assert.deepEqual(update.session.audio.input.format, { type: 'audio/pcmu' });
  assert.deepEqual(update.session.audio.output, { format: { type: 'audio/pcmu' }, voice: 'marin' });
});

test('the mid-call update for last words names no format and no voice', () => {
  const update = lastWordsSessionUpdate(config) as any;
  assert.equal(update.session.audio.output, undefined);
  assert.equal(update.session.audio.input.format, undefined);
  assert.equal(JSON.stringify(update).includes('voice'), false);
  assert.equal(update.session.audio.input.turn_detection.create_response, false);
});

test('media frames take the fast path and agree with the schema', () => {
  const frame = {
    event: 'media',
    streamSid: 'MZ1',
    media: { track: 'inbound', payload: '/////w==' },
  };
  const fast = parseTwilioMessage(JSON.stringify(frame));
  assert.deepEqual(fast, frame);
  assert.equal(twilioMessageSchema.safeParse(frame).success, true);
  for (const bad of [
    { event: 'media', media: {} },
    { event: 'media', media: { payload: 7 } },
    { event: 'media' },
  ]) {
    assert.equal(parseTwilioMessage(JSON.stringify(bad)), undefined);
    assert.equal(twilioMessageSchema.safeParse(bad).success, false);
  }
  assert.equal(
    parseTwilioMessage('{"event":"media","media":{"payload":"' + 'A'.repeat(20_000) + '"}}'),
    undefined,
  );
  assert.equal(parseTwilioMessage('not json'), undefined);
});

test('audio deltas take the fast path; anything else is parsed by the schema', () => {
  assert.deepEqual(
    asAudioDelta({ type: 'response.output_audio.delta', item_id: 'i', delta: 'AA==' }),
    {
      type: 'response.output_audio.delta',
      item_id: 'i',
      delta: 'AA==',
    },
  );
  assert.equal(
    asAudioDelta({ type: 'response.output_audio.delta', item_id: 1, delta: 'AA==' }),
    undefined,
  );
  assert.equal(asAudioDelta({ type: 'response.done' }), undefined);
  assert.equal(parseModelEvent({ type: 'response.output_audio.chunk', delta: 'AA==' }), undefined);
});

test('a finished response tells whether it spoke, and a session update its formats', () => {
  const spoke = parseModelEvent({
    type: 'response.done',
    response: {
      id: 'r',
      status: 'completed',
      output: [{ type: 'message', content: [{ type: 'output_audio', transcript: 'Hi' }] }],
    },
  });
  const called = parseModelEvent({
    type: 'response.done',
    response: { id: 'r', output: [{ type: 'function_call' }] },
  });
  assert.ok(spoke?.type === 'response.done' && called?.type === 'response.done');
  assert.equal(responseHadAudio(spoke.response), true);
  assert.equal(responseHadAudio(called.response), false);

  const updated = parseModelEvent({
    type: 'session.updated',
    session: {
      audio: {
        input: { format: { type: 'audio/pcmu' } },
        output: { format: { type: 'audio/pcm', rate: 24_000 } },
      },
    },
  });
  assert.ok(updated?.type === 'session.updated');
  assert.deepEqual(nonPcmuFormats(updated), ['audio/pcm']);
});

test('keypad entries end with pound, a pause or the length limit, and mask when asked', async () => {
  const entries: KeypadEntry[] = [];
  const keypad = new KeypadCollector((entry) => entries.push(entry), 50);
  for (const digit of '12#') keypad.press(digit);
  keypad.press('7');
  await new Promise((resolve) => setTimeout(resolve, 80));
  for (const digit of '0'.repeat(32)) keypad.press(digit);
  assert.deepEqual(entries, [
    { digits: '12', endedBy: 'hash' },
    { digits: '7', endedBy: 'pause' },
    { digits: '0'.repeat(32), endedBy: 'length' },
  ]);
  assert.equal(
    (keypadMessage({ digits: '4321', endedBy: 'hash' }, true) as any).item.content[0].text,
    'The caller entered 4 digits on the keypad.',
  );
  assert.equal(
    (keypadMessage({ digits: '12', endedBy: 'hash' }, false) as any).item.content[0].text,
    'The caller pressed 1 2 on the keypad.',
  );
});

test('last words wait for an open response, are asked for once, and report when spoken', () => {
  const words = new LastWords();
  assert.equal(words.begin('Bye.', 'no_input', 'Quiet.'), true);
  assert.equal(words.begin('Other.', 'max_duration', 'Late.'), false);
  assert.equal(words.responseFinished(), 'speak');
  assert.deepEqual(
    words.request(() => undefined),
    { words: 'Bye.', context: 'Quiet.' },
  );
  assert.equal(
    words.request(() => undefined),
    undefined,
  );
  words.responseStarted();
  assert.equal(words.responseFinished(), 'spoken');
  assert.equal(words.active, true);
  words.clear();
});

test('an interrupted turn keeps the share of words the caller heard', () => {
  assert.equal(heardText('one two three four', 500, 1_000), 'one two');
  assert.equal(heardText('one two three four', 0, 1_000), '');
  assert.equal(heardText('one two', 2_000, 1_000), 'one two');
});
