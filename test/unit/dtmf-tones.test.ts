import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dtmfAudio, dtmfDurationMs } from '../../media/dtmf-tones.js';
import { synthesizeTone } from '../../simulators/audio.js';
import { DtmfDetector } from '../../simulators/phone/dtmf-detector.js';

function hear(audio: Buffer, chunkBytes = 160): string {
  const heard: string[] = [];
  const detector = new DtmfDetector((digit) => heard.push(digit));
  for (let offset = 0; offset < audio.length; offset += chunkBytes) {
    detector.feed(audio.subarray(offset, offset + chunkBytes));
  }
  return heard.join('');
}

test('every keypad digit the agent sends is heard as that digit, in order', () => {
  const digits = '0123456789*#ABCD';
  const audio = dtmfAudio(digits);
  assert.equal(audio.length, (dtmfDurationMs(digits) * 8_000) / 1_000);
  assert.equal(hear(audio), digits);
});

test('repeated digits are heard twice, whatever the framing of the audio', () => {
  assert.equal(hear(dtmfAudio('1#1'), 237), '1#1');
  assert.equal(hear(dtmfAudio('55'), 1_000), '55');
});

test('speech-like tones are not mistaken for digits', () => {
  assert.equal(hear(synthesizeTone(2_000)), '');
  assert.equal(hear(synthesizeTone(500, 1_000)), '');
});

test('refuses characters that are not DTMF digits', () => {
  assert.throws(() => dtmfAudio('12x'), /digits must be/);
});
