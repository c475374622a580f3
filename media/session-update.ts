/**
 * Every event the bridge sends to configure the model or ask it to speak.
 * Audio stays mu-law in both directions so bytes pass between Twilio and the
 * model untouched; a mid-call update never names a format or a voice, which
 * the API refuses once the agent has spoken (C10).
 */
import type { ConversationResume, KeypadEntry, MediaSessionConfig } from '../workflows/types.js';

const TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

export function sessionUpdateFor(
  config: MediaSessionConfig,
  model: string,
): Record<string, unknown> {
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

/**
 * The update for the agent's last words (a wrap-up or a no-input goodbye): the
 * caller's speech no longer starts responses or interrupts them. Only turn
 * detection changes: no formats, no voice.
 */
export function lastWordsSessionUpdate(config: MediaSessionConfig): Record<string, unknown> {
  return {
    type: 'session.update',
    session: {
      type: 'realtime',
      audio: {
        input: {
          turn_detection: {
            type: 'server_vad',
            threshold: config.turnDetection.threshold,
            prefix_padding_ms: config.turnDetection.prefix_padding_ms,
            silence_duration_ms: config.turnDetection.silence_duration_ms,
            create_response: false,
            interrupt_response: false,
          },
        },
      },
    },
  };
}

export function greetingRequest(greeting: string): Record<string, unknown> {
  return {
    type: 'response.create',
    response: { instructions: `Greet the caller with exactly these words: ${greeting}` },
  };
}

/**
 * The conversation so far, for a model session that replaces a lost one: each turn as a message
 * item, the caller's as input text and the agent's as output text, oldest first.
 */
export function conversationSeed(turns: ConversationResume['turns']): Record<string, unknown>[] {
  return turns
    .filter((turn) => turn.text.trim() !== '')
    .map((turn) => ({
      type: 'conversation.item.create',
      item:
        turn.role === 'caller'
          ? { type: 'message', role: 'user', content: [{ type: 'input_text', text: turn.text }] }
          : {
              type: 'message',
              role: 'assistant',
              content: [{ type: 'output_text', text: turn.text }],
            },
    }));
}

/** A response that says fixed words (a prompt, a wrap-up, a goodbye) and calls no tool. */
export function sayExactlyRequest(context: string, words: string): Record<string, unknown> {
  return {
    type: 'response.create',
    response: { instructions: `${context} Say exactly these words: ${words}`, tool_choice: 'none' },
  };
}

/** What the caller keyed in, as a user message; a masked entry gives the count only. */
export function keypadMessage(entry: KeypadEntry, masked: boolean): Record<string, unknown> {
  const keys = entry.digits ? entry.digits.split('').join(' ') : '';
  let text: string;
  if (!entry.digits) text = 'The caller pressed the # key.';
  else if (masked) text = `The caller entered ${entry.digits.length} digits on the keypad.`;
  else text = `The caller pressed ${keys} on the keypad.`;
  return {
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
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
