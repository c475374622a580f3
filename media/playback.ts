/**
 * What Twilio has actually played. The bridge sends a mark after each stretch
 * of agent audio; Twilio echoes it when playback reaches it. Marks carry a
 * playback generation that `clear` advances, so the marks Twilio returns for
 * discarded audio are never mistaken for playback (C07, C08).
 */

/** Mark the audio at least this often so barge-in can truncate precisely. */
export const MARK_INTERVAL_MS = 200;
const BYTES_PER_MS = 8;

interface ItemPlayback {
  sentBytes: number;
  markedBytes: number;
  playedMs: number;
  complete: boolean;
}

interface PendingMark {
  itemId: string;
  endMs: number;
}

export interface PlaybackCut {
  /** The item Twilio was playing, and how much of it the caller heard (never more than was sent). */
  itemId: string;
  heardMs: number;
  /** Later items whose audio was queued but never reached the caller. */
  unheardItems: string[];
}

export class PlaybackTracker {
  private generation = 0;
  private sequence = 0;
  private readonly items = new Map<string, ItemPlayback>();
  private readonly pending = new Map<string, PendingMark>();
  /** Items with audio sent to Twilio and not yet confirmed played, in the order they were sent. */
  private readonly unsettled = new Set<string>();

  /** Records audio sent to Twilio; answers a mark name when one is due. */
  recordAudio(itemId: string, bytes: number): string | undefined {
    const item = this.itemFor(itemId);
    item.sentBytes += bytes;
    this.unsettled.add(itemId);
    if (item.sentBytes - item.markedBytes >= MARK_INTERVAL_MS * BYTES_PER_MS)
      return this.markItem(itemId, item);
    return undefined;
  }

  /** The item's audio is complete; answers the final mark if any audio is unmarked. */
  finishItem(itemId: string): string | undefined {
    const item = this.itemFor(itemId);
    item.complete = true;
    if (item.sentBytes > item.markedBytes) return this.markItem(itemId, item);
    // Its last interval mark may already be back: then the item has played through.
    if (item.playedMs * BYTES_PER_MS >= item.sentBytes) this.unsettled.delete(itemId);
    return undefined;
  }

  /** Twilio echoed a mark: answers the item it belongs to, or undefined for a stale mark. */
  acknowledge(name: string): { itemId: string; playedMs: number } | undefined {
    const mark = this.pending.get(name);
    if (!mark) return undefined;
    this.pending.delete(name);
    const item = this.itemFor(mark.itemId);
    item.playedMs = Math.max(item.playedMs, mark.endMs);
    if (item.complete && item.playedMs * BYTES_PER_MS >= item.sentBytes)
      this.unsettled.delete(mark.itemId);
    return { itemId: mark.itemId, playedMs: item.playedMs };
  }

  /** True while some audio sent to Twilio has not been confirmed played. */
  hasUnplayedAudio(): boolean {
    return this.unsettled.size > 0;
  }

  /** Milliseconds of audio sent but not yet confirmed played. */
  unplayedMs(): number {
    let total = 0;
    for (const itemId of this.unsettled) {
      const item = this.items.get(itemId);
      if (item) total += item.sentBytes / BYTES_PER_MS - item.playedMs;
    }
    return Math.max(0, total);
  }

  isFullyPlayed(itemId: string): boolean {
    const item = this.items.get(itemId);
    return !!item && item.complete && item.playedMs * BYTES_PER_MS >= item.sentBytes;
  }

  sentMs(itemId: string): number {
    return (this.items.get(itemId)?.sentBytes ?? 0) / BYTES_PER_MS;
  }

  playedMs(itemId: string): number {
    return this.items.get(itemId)?.playedMs ?? 0;
  }

  /**
   * The caller interrupted: audio Twilio has not played is discarded and every
   * pending mark is void. Answers undefined when everything sent was played
   * (nothing to clear, nothing to truncate).
   */
  interrupt(): PlaybackCut | undefined {
    if (this.unsettled.size === 0) return undefined;
    const [playing, ...unheardItems] = [...this.unsettled];
    this.unsettled.clear();
    this.pending.clear();
    this.generation += 1;
    if (!playing) return undefined;
    const heardMs = Math.min(this.playedMs(playing), this.sentMs(playing));
    return { itemId: playing, heardMs, unheardItems };
  }

  private markItem(itemId: string, item: ItemPlayback): string {
    item.markedBytes = item.sentBytes;
    this.sequence += 1;
    const name = `g${this.generation}.${this.sequence}`;
    this.pending.set(name, { itemId, endMs: item.sentBytes / BYTES_PER_MS });
    return name;
  }

  private itemFor(itemId: string): ItemPlayback {
    let item = this.items.get(itemId);
    if (!item) {
      item = { sentBytes: 0, markedBytes: 0, playedMs: 0, complete: false };
      this.items.set(itemId, item);
    }
    return item;
  }
}
