/**
 * Each benchmark frame carries its own send time: the first 16 bytes of the
 * audio payload hold the sending peer's clock, the call's index and the
 * frame's sequence number. The bridge relays audio untouched, so the peer at
 * the other end reads the stamp back and one clock measures the whole hop.
 */
import { performance } from 'node:perf_hooks';

export const STAMP_BYTES = 16;
/** Base64 characters that decode to exactly the stamp (16 bytes, padded to 18). */
const STAMP_BASE64_CHARS = 24;

export interface FrameStamp {
  sentAtMs: number;
  callIndex: number;
  sequence: number;
}

/** A payload of `bytes` mu-law bytes (silence) with the stamp in front, as base64. */
export function stampedPayload(bytes: number, callIndex: number, sequence: number): string {
  const frame = Buffer.alloc(bytes, 0xff);
  frame.writeUInt32LE(callIndex, 8);
  frame.writeUInt32LE(sequence, 12);
  frame.writeDoubleLE(performance.now(), 0);
  return frame.toString('base64');
}

/** Reads the stamp without decoding the rest of the payload. */
export function readStamp(payload: string): FrameStamp {
  const head = Buffer.from(payload.slice(0, STAMP_BASE64_CHARS), 'base64');
  return {
    sentAtMs: head.readDoubleLE(0),
    callIndex: head.readUInt32LE(8),
    sequence: head.readUInt32LE(12),
  };
}
