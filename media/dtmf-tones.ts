/**
 * Keypad tones the agent sends to the far end (an IVR menu, a PIN prompt).
 * Twilio's media stream carries audio only, so digits travel in band: each is
 * a pair of sine tones in 8 kHz mu-law, 100 ms on and 100 ms off, which phone
 * networks and IVRs recognise (ITU-T Q.23 frequencies).
 */

const SAMPLE_RATE_HZ = 8_000;
const TONE_MS = 100;
const GAP_MS = 100;
/** Each tone's amplitude on the 16-bit scale; the pair stays clear of clipping. */
const TONE_AMPLITUDE = 7_000;
const MULAW_SILENCE = 0xff;
const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32_635;

const ROW_HZ = [697, 770, 852, 941] as const;
const COLUMN_HZ = [1209, 1336, 1477, 1633] as const;
const KEYS = ['123A', '456B', '789C', '*0#D'] as const;

export const DTMF_DIGIT_PATTERN = /^[0-9*#A-D]+$/;

/** Mu-law audio for the digits, each a 100 ms tone pair followed by 100 ms of silence. */
export function dtmfAudio(digits: string): Buffer {
  if (!DTMF_DIGIT_PATTERN.test(digits)) throw new Error('digits must be 0-9, *, # or A-D');
  return Buffer.concat([...digits].map(toneFor));
}

/** Milliseconds of audio `dtmfAudio(digits)` produces. */
export function dtmfDurationMs(digits: string): number {
  return digits.length * (TONE_MS + GAP_MS);
}

const toneCache = new Map<string, Buffer>();

function toneFor(digit: string): Buffer {
  const cached = toneCache.get(digit);
  if (cached) return cached;
  const row = KEYS.findIndex((keys) => keys.includes(digit));
  const column = KEYS[row]?.indexOf(digit) ?? -1;
  const lowHz = ROW_HZ[row];
  const highHz = COLUMN_HZ[column];
  if (lowHz === undefined || highHz === undefined) throw new Error(`not a DTMF digit: ${digit}`);

  const toneSamples = (SAMPLE_RATE_HZ * TONE_MS) / 1_000;
  const gapSamples = (SAMPLE_RATE_HZ * GAP_MS) / 1_000;
  const audio = Buffer.alloc(toneSamples + gapSamples, MULAW_SILENCE);
  for (let i = 0; i < toneSamples; i += 1) {
    const t = i / SAMPLE_RATE_HZ;
    const sample =
      TONE_AMPLITUDE * (Math.sin(2 * Math.PI * lowHz * t) + Math.sin(2 * Math.PI * highHz * t));
    audio[i] = encodeMulawSample(Math.round(sample));
  }
  toneCache.set(digit, audio);
  return audio;
}

/** G.711 mu-law encoding of one 16-bit sample. */
function encodeMulawSample(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), MULAW_CLIP) + MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
}
