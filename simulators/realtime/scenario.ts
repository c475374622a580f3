/**
 * A scenario scripts what the simulated model says and calls. It is plain
 * code over a small session interface, so each test can write its own.
 */
import type { SessionConfig } from './session-config.js';

export interface ResponseRequest {
  source: 'client' | 'vad';
  /** Zero-based index of the latest committed utterance; undefined before the first. */
  utteranceIndex?: number;
  /** `response.instructions` of a client `response.create`. */
  instructions?: string;
}

export type ResponseItemPlan =
  { say: string; durationMs?: number } | { call: string; arguments: unknown };

export interface ResponsePlan {
  items: ResponseItemPlan[];
  /** Send one more audio delta after `speech_started` before cancelling (case C07). */
  extraDeltaAfterSpeechStart?: boolean;
  /** Send `response.function_call_arguments.done` twice for each call (case C09). */
  repeatArgumentsDone?: boolean;
  /**
   * Send audio deltas under this event name instead of `response.output_audio.delta`:
   * the retired beta name, or a rename the client does not know yet (case C10).
   */
  audioDeltaEventName?: string;
  /** Delay between 100 ms audio deltas; default AUDIO_CHUNK_INTERVAL_MS (ten times real time). */
  audioChunkIntervalMs?: number;
}

export interface ScenarioSession {
  readonly config: SessionConfig;
  /** Transcript of the k-th utterance (zero-based). */
  callerLines: string[];
  onResponseRequested(handler: (request: ResponseRequest) => ResponsePlan | undefined): void;
  onFunctionOutput(handler: (callId: string, output: string) => void): void;
  /** Starts a response now (server-initiated); queued if one is active. */
  respond(plan: ResponsePlan): void;
}

export type ScenarioFactory = (session: ScenarioSession) => void;
