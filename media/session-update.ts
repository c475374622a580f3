/**
 * The model session's configuration. Audio stays mu-law in both directions so
 * bytes pass between Twilio and the model untouched (C10).
 */
import type { MediaSessionConfig } from '../workflows/types.js';

const TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

export function sessionUpdateFor(config: MediaSessionConfig, model: string): Record<string, unknown> {
  return {
    type: 'session.update',
    session: {
      type: 'realtime',
      model,
      instructions: config.instructions,
      output_modalities: ['audio'],
      audio: {
        input: {
          format: { type: 'audio/pcmu' },
          transcription: { model: TRANSCRIPTION_MODEL },
          turn_detection: {
            type: 'server_vad',
            threshold: config.turnDetection.threshold,
            prefix_padding_ms: config.turnDetection.prefix_padding_ms,
            silence_duration_ms: config.turnDetection.silence_duration_ms,
            create_response: true,
            interrupt_response: true,
          },
        },
        output: { format: { type: 'audio/pcmu' }, voice: config.voice },
      },
      tools: config.tools.map((tool) => ({
        type: 'function',
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters,
      })),
      tool_choice: 'auto',
    },
  };
}

export function greetingRequest(greeting: string): Record<string, unknown> {
  return {
    type: 'response.create',
    response: { instructions: `Greet the caller with exactly these words: ${greeting}` },
  };
}

/** Bytes in a base64 string, without decoding it. */
export function base64ByteLength(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return Math.floor((value.length * 3) / 4) - padding;
}

/** The part of a transcript the caller heard, in proportion to the audio played. */
export function heardText(transcript: string, heardMs: number, totalMs: number): string {
  if (totalMs <= 0 || heardMs <= 0) return '';
  if (heardMs >= totalMs) return transcript;
  const words = transcript.split(/\s+/).filter(Boolean);
  return words.slice(0, Math.ceil((words.length * heardMs) / totalMs)).join(' ');
}
