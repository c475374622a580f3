/**
 * What a CallSession does about a Twilio peer that misbehaves: junk frames are
 * counted and warned about once per stream, the stream has a deadline for its
 * `start`, and what is queued for a peer that stopped reading is bounded.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../lib/logger.js';

/** Twilio reads at the pace of the call; a megabyte queued is minutes of audio it is not taking. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1_024 * 1_024;
/** Twilio sends `start` right after the upgrade. */
export const DEFAULT_START_TIMEOUT_MS = 10_000;

export interface PeerLimits {
  maxBufferedBytes?: number;
  startTimeoutMs?: number;
}

export class TwilioPeerGuard {
  private junkFrames = 0;
  private startTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: PeerLimits,
  ) {}

  /** Calls `expired` unless `started` or `dispose` comes first. */
  awaitStart(expired: () => void): void {
    this.startTimer = setTimeout(expired, this.limits.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  }

  started(): void {
    clearTimeout(this.startTimer);
  }

  /** Junk is ignored; one warning per stream, so a flood of it is not a flood of log lines. */
  noteJunk(logger: Logger, kind: string): void {
    this.junkFrames += 1;
    if (this.junkFrames === 1) logger.warn({ kind }, 'twilio sent a message that does not parse');
    else logger.debug({ kind, junkFrames: this.junkFrames }, 'twilio junk ignored');
  }

  /** False once the peer has stopped reading: sending more would only grow the queue. */
  hasRoom(): boolean {
    return (
      this.socket.bufferedAmount <= (this.limits.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES)
    );
  }

  dispose(): void {
    clearTimeout(this.startTimer);
  }
}
