/**
 * Twilio's playback of the agent's audio: what the bridge sends joins a queue
 * played in real time, 160 bytes per 20 ms frame. A mark is reached when all
 * audio queued before it has played; `clear` drops the queued audio and
 * releases every pending mark at once.
 */
import { FRAME_BYTES, FRAME_MS } from '../audio.js';

type QueueItem = { kind: 'audio'; bytes: Buffer } | { kind: 'mark'; name: string };

export interface ClearedPlayback {
  discardedBytes: number;
  marks: string[];
}

export class PlaybackQueue {
  private readonly items: QueueItem[] = [];
  private queuedBytesCount = 0;
  private playedBytesCount = 0;
  private lastAudioEndedAtStreamMs: number | null = null;
  private stretchStartedAtStreamMs: number | null = null;

  /** Called with each slice of agent audio as it plays (what the party hears). */
  constructor(private readonly onPlayed: (bytes: Buffer) => void = () => undefined) {}

  get queuedBytes(): number {
    return this.queuedBytesCount;
  }

  get playedBytes(): number {
    return this.playedBytesCount;
  }

  get playedMs(): number {
    return (this.playedBytesCount / FRAME_BYTES) * FRAME_MS;
  }

  /** True once any agent audio has played through to an empty queue. */
  get hasPlayedAudio(): boolean {
    return this.lastAudioEndedAtStreamMs !== null;
  }

  /** How long the queue has been empty, or null if agent audio never played out. */
  idleForMs(nowStreamMs: number): number | null {
    if (this.queuedBytesCount > 0) return 0;
    return this.lastAudioEndedAtStreamMs === null
      ? null
      : nowStreamMs - this.lastAudioEndedAtStreamMs;
  }

  /** How long agent audio has been playing without a break, or null while it is silent. */
  speakingForMs(nowStreamMs: number): number | null {
    return this.stretchStartedAtStreamMs === null
      ? null
      : nowStreamMs - this.stretchStartedAtStreamMs;
  }

  enqueueAudio(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.items.push({ kind: 'audio', bytes });
    this.queuedBytesCount += bytes.length;
  }

  /** Queues a mark; true when nothing is queued before it, so it is reached at once. */
  enqueueMark(name: string): boolean {
    if (this.items.length === 0) return true;
    this.items.push({ kind: 'mark', name });
    return false;
  }

  /** Plays one frame's worth of audio; returns the marks reached by the end of it. */
  playFrame(frameEndStreamMs: number): string[] {
    const hadAudio = this.queuedBytesCount > 0;
    if (hadAudio) this.stretchStartedAtStreamMs ??= frameEndStreamMs - FRAME_MS;
    let remainingBytes = FRAME_BYTES;
    const reached: string[] = [];

    while (this.items.length > 0) {
      const head = this.items[0];
      if (!head) break;
      if (head.kind === 'mark') {
        reached.push(head.name);
        this.items.shift();
        continue;
      }
      if (remainingBytes === 0) break;
      const takenBytes = Math.min(remainingBytes, head.bytes.length);
      remainingBytes -= takenBytes;
      this.consume(head, takenBytes);
    }

    if (hadAudio && this.queuedBytesCount === 0) {
      this.lastAudioEndedAtStreamMs = frameEndStreamMs;
      this.stretchStartedAtStreamMs = null;
    }
    return reached;
  }

  clear(nowStreamMs: number): ClearedPlayback {
    const discardedBytes = this.queuedBytesCount;
    const marks = this.items.flatMap((item) => (item.kind === 'mark' ? [item.name] : []));
    this.items.length = 0;
    this.queuedBytesCount = 0;
    if (discardedBytes > 0) this.lastAudioEndedAtStreamMs = nowStreamMs;
    this.stretchStartedAtStreamMs = null;
    return { discardedBytes, marks };
  }

  private consume(head: { kind: 'audio'; bytes: Buffer }, takenBytes: number): void {
    this.queuedBytesCount -= takenBytes;
    this.playedBytesCount += takenBytes;
    this.onPlayed(head.bytes.subarray(0, takenBytes));
    if (takenBytes === head.bytes.length) this.items.shift();
    else head.bytes = head.bytes.subarray(takenBytes);
  }
}
