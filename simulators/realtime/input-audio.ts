/**
 * The input audio buffer of one connection: server VAD turns appended audio
 * into committed user items, and a manual commit or clear does what the real
 * API does with whatever audio is pending.
 */
import type { ErrorDetails } from './event-channel.js';
import { createId } from './ids.js';
import type { ServerEvent } from './response-run.js';
import {
  isTranscriptionEnabled,
  readTurnDetection,
  usesSupportedFormats,
  type SessionConfig,
} from './session-config.js';
import { VoiceActivityDetector, type VadEvent } from './vad.js';

/** The real API refuses to commit less than this. */
const MIN_COMMIT_MS = 100;

export interface CommittedUtterance {
  itemId: string;
  audioStartMs: number;
  audioEndMs: number;
}

export interface InputAudioHost {
  send(event: ServerEvent): void;
  sendError(details: ErrorDetails): void;
  appendItem(itemId: string): string | null;
  readConfig(): SessionConfig;
  /** Speech began; `interrupt` says whether the session cancels an active response. */
  onSpeechStarted(interrupt: boolean): void;
  onUtterance(utterance: CommittedUtterance, source: 'vad' | 'client'): void;
}

export class InputAudio {
  private readonly vad = new VoiceActivityDetector();
  private speech: { itemId: string; audioStartMs: number } | undefined;
  private hasWarnedFormat = false;

  constructor(private readonly host: InputAudioHost) {}

  append(audio: Buffer): void {
    const config = this.host.readConfig();
    if (!usesSupportedFormats(config) && !this.hasWarnedFormat) {
      // Once per session: a client that never asked for mu-law would send static.
      this.hasWarnedFormat = true;
      const message = 'The simulator speaks only audio/pcmu; set it for input and output audio.';
      this.host.sendError({ code: 'unsupported_audio_format', message });
    }

    const turnDetection = readTurnDetection(config);
    if (!turnDetection) {
      this.vad.skip(audio);
      return;
    }
    for (const event of this.vad.feed(audio, turnDetection)) {
      this.handleVadEvent(event, turnDetection.interruptResponse);
    }
  }

  commit(eventId: string | undefined): void {
    const pendingMs = this.vad.audioMs - this.vad.committedUntilMs;
    if (pendingMs < MIN_COMMIT_MS) {
      const message =
        'Error committing input audio buffer: buffer too small. Expected at least ' +
        `${MIN_COMMIT_MS}ms of audio, but buffer only has ${pendingMs}ms of audio.`;
      this.host.sendError({ code: 'input_audio_buffer_commit_empty', message, eventId });
      return;
    }
    const itemId = this.speech?.itemId ?? createId('item');
    const audioStartMs = this.speech?.audioStartMs ?? this.vad.committedUntilMs;
    this.speech = undefined;
    this.vad.reset();
    this.commitUtterance({ itemId, audioStartMs, audioEndMs: this.vad.audioMs }, 'client');
  }

  clear(): void {
    this.speech = undefined;
    this.vad.reset();
    this.host.send({ type: 'input_audio_buffer.cleared' });
  }

  sendTranscript(utterance: CommittedUtterance, transcript: string): void {
    if (!isTranscriptionEnabled(this.host.readConfig())) return;
    const seconds = (utterance.audioEndMs - utterance.audioStartMs) / 1_000;
    this.host.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: utterance.itemId,
      content_index: 0,
      transcript,
      usage: { type: 'duration', seconds },
    });
  }

  private handleVadEvent(event: VadEvent, interruptResponse: boolean): void {
    if (event.kind === 'speech-started') {
      this.speech = { itemId: createId('item'), audioStartMs: event.audioStartMs };
      this.host.send({
        type: 'input_audio_buffer.speech_started',
        audio_start_ms: event.audioStartMs,
        item_id: this.speech.itemId,
      });
      this.host.onSpeechStarted(interruptResponse);
      return;
    }

    const speech = this.speech;
    if (!speech) return;
    this.speech = undefined;
    this.host.send({
      type: 'input_audio_buffer.speech_stopped',
      audio_end_ms: event.audioEndMs,
      item_id: speech.itemId,
    });
    this.commitUtterance({ ...speech, audioEndMs: event.audioEndMs }, 'vad');
  }

  private commitUtterance(utterance: CommittedUtterance, source: 'vad' | 'client'): void {
    const previousItemId = this.host.appendItem(utterance.itemId);
    this.host.send({
      type: 'input_audio_buffer.committed',
      item_id: utterance.itemId,
      previous_item_id: previousItemId,
    });
    const item = {
      id: utterance.itemId,
      object: 'realtime.item',
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_audio', transcript: null }],
    };
    this.host.send({ type: 'conversation.item.added', previous_item_id: previousItemId, item });
    this.host.send({ type: 'conversation.item.done', previous_item_id: previousItemId, item });
    this.host.onUtterance(utterance, source);
  }
}
