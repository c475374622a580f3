/** The recording the callee speaks in end-to-end tests, and its transcript. */
import { fileURLToPath } from 'node:url';
import { readWavAsMulaw } from '../../simulators/audio.js';
import type { PartyBehaviour } from '../../simulators/phone/index.js';

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

export function readingParty(overrides: Partial<PartyBehaviour> = {}): PartyBehaviour {
  recording ??= readWavAsMulaw(RECORDING_PATH);
  return { answer: 'answer', audio: recording, speech: 'polite', ...overrides };
}
