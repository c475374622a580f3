/**
 * G.711 mu-law codec and a minimal WAV reader: what the simulators need to
 * speak Twilio's wire format (8 kHz mono mu-law in 20 ms frames). The product
 * itself never decodes audio; it relays mu-law bytes untouched.
 */
import { readFileSync } from 'node:fs';

export const SAMPLE_RATE_HZ = 8_000;
export const FRAME_MS = 20;
/** One 20 ms frame of 8 kHz mu-law is 160 bytes. */
export const FRAME_BYTES = (SAMPLE_RATE_HZ * FRAME_MS) / 1_000;
/** Mu-law encoding of digital silence. */
export const MULAW_SILENCE = 0xff;

const BIAS = 0x84;
const CLIP = 32_635;

export function encodeMulawSample(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
}

const DECODE_TABLE = new Int16Array(256);
for (let byte = 0; byte < 256; byte += 1) {
  const value = ~byte & 0xff;
  const sign = value & 0x80;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  DECODE_TABLE[byte] = sign ? -magnitude : magnitude;
}

export function decodeMulawSample(byte: number): number {
  return DECODE_TABLE[byte & 0xff] ?? 0;
}

export function encodeMulaw(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i += 1) out[i] = encodeMulawSample(pcm[i] ?? 0);
  return out;
}

/** Root mean square of a mu-law buffer, on the 16-bit linear scale. */
export function mulawRms(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let sum = 0;
  for (const byte of bytes) {
    const sample = DECODE_TABLE[byte] ?? 0;
    sum += sample * sample;
  }
  return Math.sqrt(sum / bytes.length);
}

/** Reads a 16-bit PCM mono 8 kHz WAV file into samples. */
export function readWavPcm16(path: string): Int16Array {
  const file = readFileSync(path);
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`not a WAV file: ${path}`);
  }
  let offset = 12;
  let format: { channels: number; rate: number; bits: number } | undefined;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        channels: file.readUInt16LE(body + 2),
        rate: file.readUInt32LE(body + 4),
        bits: file.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (
        !format ||
        format.channels !== 1 ||
        format.rate !== SAMPLE_RATE_HZ ||
        format.bits !== 16
      ) {
        throw new Error(`expected 16-bit mono 8 kHz PCM: ${path}`);
      }
      const samples = new Int16Array(Math.floor(size / 2));
      for (let i = 0; i < samples.length; i += 1) samples[i] = file.readInt16LE(body + i * 2);
      return samples;
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`no data chunk: ${path}`);
}

/** Reads a WAV fixture straight into Twilio's wire format. */
export function readWavAsMulaw(path: string): Buffer {
  return encodeMulaw(readWavPcm16(path));
}

/** A tone standing in for synthesized agent speech, as mu-law. */
export function synthesizeTone(durationMs: number, frequencyHz = 440, amplitude = 6_000): Buffer {
  const count = Math.round((SAMPLE_RATE_HZ * durationMs) / 1_000);
  const pcm = new Int16Array(count);
  for (let i = 0; i < count; i += 1) {
    pcm[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / SAMPLE_RATE_HZ));
  }
  return encodeMulaw(pcm);
}

/** Splits a buffer into 20 ms frames, padding the last with silence. */
export function splitFrames(audio: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) {
    const frame = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
    audio.copy(frame, 0, offset, Math.min(offset + FRAME_BYTES, audio.length));
    frames.push(frame);
  }
  return frames;
}
