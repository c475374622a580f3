/**
 * Splits a recording into the utterances a person says one at a time: runs of
 * 20 ms frames louder than the noise floor, merged across pauses too short to
 * be a turn boundary (a comma pause stays inside its sentence).
 */
import { FRAME_BYTES, FRAME_MS, mulawRms } from '../audio.js';

/** RMS on the 16-bit scale above which a frame holds speech; the fixture's floor is near 32. */
export const SPEECH_RMS_THRESHOLD = 300;
/** Pauses shorter than this stay inside one utterance. */
export const UTTERANCE_MERGE_GAP_MS = 700;

export interface Utterance {
  /** Byte offsets into the recording, end exclusive, on frame boundaries. */
  startByte: number;
  endByte: number;
  startMs: number;
  endMs: number;
}

export function splitUtterances(audio: Buffer): Utterance[] {
  const frameCount = Math.ceil(audio.length / FRAME_BYTES);
  const mergeGapFrames = UTTERANCE_MERGE_GAP_MS / FRAME_MS;
  const runs: { startFrame: number; endFrame: number }[] = [];

  for (let frame = 0; frame < frameCount; frame += 1) {
    const bytes = audio.subarray(frame * FRAME_BYTES, (frame + 1) * FRAME_BYTES);
    if (mulawRms(bytes) <= SPEECH_RMS_THRESHOLD) continue;
    const last = runs.at(-1);
    if (last && frame - last.endFrame < mergeGapFrames) last.endFrame = frame + 1;
    else runs.push({ startFrame: frame, endFrame: frame + 1 });
  }

  return runs.map(({ startFrame, endFrame }) => ({
    startByte: startFrame * FRAME_BYTES,
    endByte: Math.min(endFrame * FRAME_BYTES, audio.length),
    startMs: startFrame * FRAME_MS,
    endMs: endFrame * FRAME_MS,
  }));
}
