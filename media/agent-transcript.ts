/**
 * The agent's side of the transcript: one turn per spoken item, stored once
 * the caller has heard it (its last mark came back) or was cut off. An
 * interrupted turn keeps only the words the caller heard, in proportion to
 * the audio played, and is marked as interrupted (C07).
 */
import type { TranscriptTurn } from '../workflows/types.js';
import type { PlaybackTracker } from './playback.js';
import { heardText } from './session-update.js';

interface AgentItem {
  transcript: string;
  transcriptDone: boolean;
  interrupted: boolean;
  heardMs: number;
  emitted: boolean;
  startedAt: string;
}

export class AgentTranscript {
  private readonly items = new Map<string, AgentItem>();

  constructor(
    private readonly playback: PlaybackTracker,
    private readonly sendTurn: (turn: TranscriptTurn) => void,
  ) {}

  isInterrupted(itemId: string): boolean {
    return this.items.get(itemId)?.interrupted ?? false;
  }

  appendText(itemId: string, delta: string): void {
    this.item(itemId).transcript += delta;
  }

  finishText(itemId: string, transcript: string): void {
    const item = this.item(itemId);
    item.transcript = transcript;
    item.transcriptDone = true;
    this.emitWhenHeard(itemId);
  }

  /** The caller cut the item off after `heardMs`; later deltas of it are late and dropped. */
  markInterrupted(itemId: string, heardMs: number): void {
    const item = this.item(itemId);
    item.interrupted = true;
    item.heardMs = heardMs;
    this.emitWhenHeard(itemId);
  }

  emitWhenHeard(itemId: string): void {
    const item = this.items.get(itemId);
    if (!item || item.emitted || !item.transcriptDone) return;
    if (!item.interrupted && !this.playback.isFullyPlayed(itemId)) return;
    this.emit(item, itemId);
  }

  /**
   * The stream ended: every item is stored with what the caller heard of it, the ones the
   * model was still sending included (their transcript so far covers the audio so far).
   */
  emitRemaining(): void {
    for (const [itemId, item] of this.items) {
      if (item.emitted) continue;
      if (!item.interrupted && !this.playback.isFullyPlayed(itemId)) {
        item.interrupted = true;
        item.heardMs = this.playback.playedMs(itemId);
      }
      this.emit(item, itemId);
    }
  }

  private emit(item: AgentItem, itemId: string): void {
    item.emitted = true;
    const sentMs = this.playback.sentMs(itemId);
    const text = item.interrupted
      ? heardText(item.transcript, item.heardMs, sentMs)
      : item.transcript;
    if (!text.trim()) return;
    this.sendTurn({
      role: 'agent',
      text: text.trim(),
      interrupted: item.interrupted,
      startedAt: item.startedAt,
      endedAt: new Date().toISOString(),
    });
  }

  private item(itemId: string): AgentItem {
    let item = this.items.get(itemId);
    if (!item) {
      item = {
        transcript: '',
        transcriptDone: false,
        interrupted: false,
        heardMs: 0,
        emitted: false,
        startedAt: new Date().toISOString(),
      };
      this.items.set(itemId, item);
    }
    return item;
  }
}
