/** The recording the callee speaks in end-to-end tests, and its transcript. */
import { fileURLToPath } from 'node:url';
import { FRAME_BYTES, FRAME_MS, readWavAsMulaw } from '../../simulators/audio.js';
import { splitUtterances, type PartyBehaviour } from '../../simulators/phone/index.js';
import { DEMO_TOOL_CALL_AFTER } from '../../simulators/realtime/index.js';

export const RECORDING_PATH = fileURLToPath(
  new URL('../fixtures/audio/OSR_us_000_0034_8k.wav', import.meta.url),
);

/** Harvard sentences, list 72, in the order spoken in the recording. */
export const RECORDING_SENTENCES = [
  'A gold ring will please most any girl.',
  'The long journey home took a year.',
  "She saw a cat in the neighbor's house.",
  'A pink shell was found on the sandy beach.',
  'Small children came to see him.',
  'The grass and bushes were wet with dew.',
  'The blind man counted his old coins.',
  'A severe storm tore down the barn.',
  'She called his name many times.',
  'When you hear the bell, come quickly.',
];

let recording: Buffer | undefined;

/**
 * The demo's callee reading the whole recording; after the sentence that makes the demo
 * agent look the order up, it waits for the answer as a caller who asked would.
 */
export function readingParty(overrides: Partial<PartyBehaviour> = {}): PartyBehaviour {
  recording ??= readWavAsMulaw(RECORDING_PATH);
  return {
    answer: 'answer',
    audio: recording,
    speech: 'polite',
    waitForReplyAfter: [DEMO_TOOL_CALL_AFTER - 1],
    ...overrides,
  };
}

/** Silence kept after the last sentence read, so the party's last utterance ends cleanly. */
const TAIL_MS = 400;

/**
 * A callee reading the first `count` sentences of the recording (1 to 9: the
 * tenth may split at its comma), `times` times over: a shorter or a longer call
 * than the whole recording. Answers the party and what it reads, in order.
 */
export function partyReadingSentences(
  count: number,
  times = 1,
  overrides: Partial<PartyBehaviour> = {},
): { party: PartyBehaviour; sentences: string[] } {
  if (count < 1 || count > 9) throw new Error('read 1 to 9 sentences');
  recording ??= readWavAsMulaw(RECORDING_PATH);
  const utterances = splitUtterances(recording);
  const end = Math.min(
    (utterances[count - 1]?.endByte ?? recording.length) + (TAIL_MS / FRAME_MS) * FRAME_BYTES,
    recording.length,
  );
  const once = recording.subarray(0, end);
  const sentences = RECORDING_SENTENCES.slice(0, count);
  return {
    party: {
      answer: 'answer',
      audio: Buffer.concat(Array.from({ length: times }, () => once)),
      speech: 'polite',
      ...overrides,
    },
    sentences: Array.from({ length: times }, () => sentences).flat(),
  };
}
