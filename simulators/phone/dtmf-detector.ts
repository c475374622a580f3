/**
 * Hears DTMF tones in the agent audio Twilio plays, as a phone network's tone
 * receiver would: a Goertzel filter per DTMF frequency on each 20 ms frame,
 * a digit when one row and one column tone carry the frame's energy for two
 * frames in a row, and a new digit only after a gap.
 */
import { decodeMulawSample, FRAME_BYTES } from '../audio.js';

const ROW_HZ = [697, 770, 852, 941];
const COLUMN_HZ = [1209, 1336, 1477, 1633];
const KEYS = ['123A', '456B', '789C', '*0#D'];
const SAMPLE_RATE_HZ = 8_000;
/** Share of the frame's energy each of the two tones must carry. */
const MIN_TONE_SHARE = 0.25;
/** Frames a digit must last before it counts (40 ms; Twilio's own tones last 100 ms). */
const MIN_DIGIT_FRAMES = 2;

export class DtmfDetector {
  private pending = Buffer.alloc(0);
  private candidate: string | null = null;
  private candidateFrames = 0;
  private reported = false;

  constructor(private readonly onDigit: (digit: string) => void) {}

  feed(bytes: Buffer): void {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, bytes]) : bytes;
    while (buffer.length >= FRAME_BYTES) {
      this.examine(buffer.subarray(0, FRAME_BYTES));
      buffer = buffer.subarray(FRAME_BYTES);
    }
    this.pending = Buffer.from(buffer);
  }

  private examine(frame: Buffer): void {
    const digit = detectDigit(frame);
    if (digit !== this.candidate) {
      this.candidate = digit;
      this.candidateFrames = 0;
      this.reported = false;
    }
    if (digit === null) return;
    this.candidateFrames += 1;
    if (!this.reported && this.candidateFrames >= MIN_DIGIT_FRAMES) {
      this.reported = true;
      this.onDigit(digit);
    }
  }
}

/** The digit whose two tones dominate this frame, or null. */
export function detectDigit(frame: Buffer): string | null {
  const samples = Array.from(frame, (byte) => decodeMulawSample(byte));
  const energy = samples.reduce((sum, sample) => sum + sample * sample, 0);
  if (energy === 0) return null;
  const share = (hz: number) => (2 * goertzelPower(samples, hz)) / (samples.length * energy);

  const rows = ROW_HZ.map(share);
  const columns = COLUMN_HZ.map(share);
  const row = indexOfMax(rows);
  const column = indexOfMax(columns);
  if ((rows[row] ?? 0) < MIN_TONE_SHARE || (columns[column] ?? 0) < MIN_TONE_SHARE) return null;
  return KEYS[row]?.[column] ?? null;
}

function goertzelPower(samples: number[], frequencyHz: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / SAMPLE_RATE_HZ);
  let previous = 0;
  let beforePrevious = 0;
  for (const sample of samples) {
    const current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  return (
    previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
  );
}

function indexOfMax(values: number[]): number {
  let best = 0;
  for (let index = 1; index < values.length; index += 1) {
    if ((values[index] ?? 0) > (values[best] ?? 0)) best = index;
  }
  return best;
}
