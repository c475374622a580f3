/**
 * The synthetic conversation of the history benchmark: when each turn ends
 * (which is when the bridge hands it over: a caller's turn once it is
 * transcribed, an agent's once its last audio mark came back) and when the
 * model calls a tool. Seeded, so every run of the benchmark plays one call.
 */
import type { ToolInvocation } from '../workflows/types.js';

export type TimelineStep =
  | { kind: 'turn'; atMs: number; role: 'agent' | 'caller'; text: string; spokenMs: number }
  | { kind: 'tool'; atMs: number; invocation: ToolInvocation };

/** An exchange (the caller speaks, the agent answers) starts every 8 to 10 s. */
const EXCHANGE_MS: [number, number] = [8_000, 10_000];
const CALLER_SPEECH_MS: [number, number] = [2_500, 4_000];
const AGENT_SPEECH_MS: [number, number] = [3_000, 4_500];
/** End of speech to transcript: the turn detector's silence, then transcription. */
const TRANSCRIPTION_MS = 800;
/** The caller's turn to the agent's first audio; a tool call adds its own round trip. */
const RESPONSE_MS = 700;
const TOOL_ROUND_TRIP_MS = 1_000;
/** The caller waits this long after the agent before speaking again, at least. */
const CALLER_PAUSE_MS = 400;
/** Exchanges in which the agent looks an order up. */
const TOOL_EXCHANGES = new Set([10, 40]);

const CALLER_LINES = [
  'I ordered a pair of running shoes last week and they still have not arrived.',
  'The order number should be on the confirmation email, let me find it for you.',
  'Can you tell me whether it has shipped yet, and when it might get here?',
  'That is a bit later than I expected, is there any way to speed it up?',
  'Okay, and if it does not fit, how do I send it back to you?',
];
const AGENT_LINES = [
  'Thanks for waiting. I can see the order and I am checking its status now.',
  'It shipped yesterday and the carrier expects to deliver it on Tuesday.',
  'I am sorry about the delay. I can note it on your order so our team follows up.',
  'Returns are free within thirty days; you will find a label in the parcel.',
  'Is there anything else I can help you with on this order today?',
];

export function conversationTimeline(durationMs: number, seed = 7): TimelineStep[] {
  const random = mulberry32(seed);
  const between = ([min, max]: [number, number]) => min + (max - min) * random();
  const steps: TimelineStep[] = [];
  const greetingMs = 3_000;
  steps.push(agentTurn(500 + greetingMs, 'Hello! This is the StateSet demo agent.', greetingMs));

  let startMs = 500 + greetingMs + CALLER_PAUSE_MS;
  for (let exchange = 1; ; exchange += 1) {
    const callerMs = between(CALLER_SPEECH_MS);
    const callerTurnAtMs = startMs + callerMs + TRANSCRIPTION_MS;
    if (callerTurnAtMs > durationMs - 10_000) break;
    steps.push({
      kind: 'turn',
      atMs: Math.round(callerTurnAtMs),
      role: 'caller',
      text: `${CALLER_LINES[exchange % CALLER_LINES.length]} (${exchange})`,
      spokenMs: Math.round(callerMs),
    });

    let agentStartMs = callerTurnAtMs + RESPONSE_MS;
    if (TOOL_EXCHANGES.has(exchange)) {
      steps.push({
        kind: 'tool',
        atMs: Math.round(callerTurnAtMs + RESPONSE_MS / 2),
        invocation: {
          toolCallId: `call_lookup_${exchange}`,
          name: 'check_order_status',
          arguments: JSON.stringify({ order_id: `A-${1_000 + exchange}` }),
        },
      });
      agentStartMs += TOOL_ROUND_TRIP_MS;
    }
    const agentMs = between(AGENT_SPEECH_MS);
    const line = `${AGENT_LINES[exchange % AGENT_LINES.length]} (${exchange})`;
    steps.push(agentTurn(agentStartMs + agentMs, line, agentMs));
    startMs = Math.max(startMs + between(EXCHANGE_MS), agentStartMs + agentMs + CALLER_PAUSE_MS);
  }

  const lastMs = steps.at(-1)?.atMs ?? 0;
  steps.push(agentTurn(lastMs + 4_000, 'Thank you for calling. Goodbye!', 2_500));
  return steps;
}

function agentTurn(atMs: number, text: string, spokenMs: number): TimelineStep {
  return {
    kind: 'turn',
    atMs: Math.round(atMs),
    role: 'agent',
    text,
    spokenMs: Math.round(spokenMs),
  };
}

/** A small seeded generator (mulberry32): the same call on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
