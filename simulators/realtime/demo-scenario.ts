/**
 * The demo script: a caller reads the ten Harvard sentences of the fixture;
 * the agent greets, looks up an order after the fifth, reads its status back
 * and, after the last, says goodbye and ends the call.
 */
import { z } from 'zod';

import type { ResponsePlan, ResponseRequest, ScenarioFactory } from './scenario.js';

/** Transcript of test/fixtures/audio/OSR_us_000_0034_8k.wav, one line per utterance. */
export const FIXTURE_CALLER_LINES = [
  'A gold ring will please most any girl.',
  'The long journey home took a year.',
  "She saw a cat in the neighbor's house.",
  'A pink shell was found on the sandy beach.',
  'Small children came to see him.',
  'The grass and bushes were wet with dew.',
  'The blind man counted his old coins.',
  'A severe storm tore down the barn.',
  'She called his name many times.',
  'When you hear the bell, come quickly.',
];

export const DEFAULT_GREETING = 'Hello, this is the StateSet demo agent.';
export const GOODBYE = 'Thank you, that is everything I needed. Goodbye!';
const DEFAULT_TOOL = { name: 'check_order_status', arguments: { order_id: 'A-1001' } };
/** One-based: the caller's utterance after which the demo agent looks the order up. */
export const DEMO_TOOL_CALL_AFTER = 5;

export interface DemoScenarioOptions {
  callerLines?: string[];
  /** One-based utterance after which the agent calls the tool. */
  toolCallAfter?: number;
  tool?: { name: string; arguments: unknown };
  greeting?: string;
}

const statusOutputSchema = z.looseObject({ status: z.union([z.string(), z.number()]) });

export function demoScenario(options: DemoScenarioOptions = {}): ScenarioFactory {
  const callerLines = options.callerLines ?? FIXTURE_CALLER_LINES;
  const toolCallAfter = options.toolCallAfter ?? DEMO_TOOL_CALL_AFTER;
  const tool = options.tool ?? DEFAULT_TOOL;

  return (session) => {
    session.callerLines = [...callerLines];
    let pendingToolOutput: string | undefined;
    let lastAnsweredUtterance = -1;

    session.onFunctionOutput((_callId, output) => {
      pendingToolOutput = output;
    });

    session.onResponseRequested((request) => {
      if (pendingToolOutput !== undefined && request.source === 'client') {
        const output = pendingToolOutput;
        pendingToolOutput = undefined;
        return { items: [{ say: describeToolOutput(output) }] };
      }

      if (request.utteranceIndex === undefined) {
        return {
          items: [
            { say: quotedWords(request.instructions) ?? options.greeting ?? DEFAULT_GREETING },
          ],
        };
      }

      if (request.utteranceIndex <= lastAnsweredUtterance) return undefined;
      lastAnsweredUtterance = request.utteranceIndex;
      return planAfterUtterance(request, session.callerLines.length, toolCallAfter, tool);
    });
  };
}

function planAfterUtterance(
  request: ResponseRequest,
  lineCount: number,
  toolCallAfter: number,
  tool: { name: string; arguments: unknown },
): ResponsePlan | undefined {
  const spokenCount = (request.utteranceIndex ?? -1) + 1;
  if (spokenCount === lineCount) {
    return { items: [{ say: GOODBYE }, { call: 'end_call', arguments: { reason: 'completed' } }] };
  }
  if (spokenCount === toolCallAfter)
    return { items: [{ call: tool.name, arguments: tool.arguments }] };

  // The caller is reading a list; the agent listens.
  return undefined;
}

function describeToolOutput(output: string): string {
  const status = parseStatus(output);
  if (status === undefined) return 'Thanks for waiting. I have checked that for you.';
  return `Thanks for waiting. The order status is "${status}".`;
}

function parseStatus(output: string): string | undefined {
  try {
    const parsed = statusOutputSchema.safeParse(JSON.parse(output));
    return parsed.success ? String(parsed.data.status) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A real model asked to "greet with exactly these words: X" says X; the
 * simulator does the same, and otherwise says the instruction as given.
 */
function quotedWords(instructions: string | undefined): string | undefined {
  if (!instructions) return undefined;
  const match = /exactly these words:\s*(.+)$/is.exec(instructions);
  return (match?.[1] ?? instructions).trim();
}
