/**
 * The evaluation model behind `POST /v1/chat/completions`: it reads the
 * call's rubric and transcript from the last user message and answers a
 * chat.completion whose content is the judge's JSON verdict.
 */
import { z } from 'zod';

import { createId } from './ids.js';

export const evaluationRequestSchema = z.looseObject({
  rubric: z.array(z.looseObject({ id: z.string().min(1), description: z.string() })),
  transcript: z.array(z.looseObject({ role: z.enum(['agent', 'caller']), text: z.string() })),
  function_calls: z.array(z.unknown()).optional(),
  outcome: z.unknown().optional(),
});

export type EvaluationRequest = z.infer<typeof evaluationRequestSchema>;

export interface EvaluationCriterion {
  id: string;
  /** 0 to 1. */
  score: number;
  passed: boolean;
  reason: string;
}

export interface EvaluationAnswer {
  criteria: EvaluationCriterion[];
  summary: string;
}

export type EvaluationJudge = (request: EvaluationRequest) => EvaluationAnswer;

const textPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: z
          .union([z.string(), z.array(textPartSchema)])
          .nullable()
          .optional(),
      }),
    )
    .min(1),
  response_format: z
    .union([
      z.looseObject({
        type: z.literal('json_schema'),
        json_schema: z.looseObject({
          name: z.string().min(1),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullable().optional(),
        }),
      }),
      z.looseObject({ type: z.enum(['json_object', 'text']) }),
    ])
    .optional(),
  stream: z.boolean().nullable().optional(),
});

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** OpenAI's error envelope. */
export function openAiError(
  status: number,
  message: string,
  code: string | null = null,
  param: string | null = null,
): HttpAnswer {
  return { status, body: { error: { message, type: 'invalid_request_error', param, code } } };
}

export function answerChatCompletion(body: unknown, judge: EvaluationJudge): HttpAnswer {
  const chat = chatRequestSchema.safeParse(body);
  if (!chat.success) {
    const issue = chat.error.issues[0];
    const param = issue?.path.join('.') || null;
    return openAiError(
      400,
      `Invalid request: ${issue?.message ?? 'bad body'}`,
      'invalid_value',
      param,
    );
  }
  if (chat.data.stream) {
    return openAiError(
      400,
      'The simulator does not stream chat completions.',
      'unsupported_value',
      'stream',
    );
  }

  const lastUser = chat.data.messages.findLast((message) => message.role === 'user');
  const evaluation = parseEvaluationRequest(readText(lastUser?.content));
  if (!evaluation.success) {
    const message = `The last user message must be the evaluation JSON: ${evaluation.error}`;
    return openAiError(400, message, 'invalid_value', 'messages');
  }

  const answer = JSON.stringify(judge(evaluation.data));
  return { status: 200, body: buildCompletion(chat.data.model, answer) };
}

function readText(content: string | Array<z.infer<typeof textPartSchema>> | null | undefined) {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => part.text ?? '').join('');
}

function parseEvaluationRequest(text: string) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { success: false as const, error: 'not JSON' };
  }
  const parsed = evaluationRequestSchema.safeParse(json);
  if (parsed.success) return { success: true as const, data: parsed.data };
  const issue = parsed.error.issues[0];
  return { success: false as const, error: `${issue?.path.join('.')}: ${issue?.message}` };
}

function buildCompletion(model: string, content: string) {
  const promptTokens = 200;
  const completionTokens = Math.ceil(content.length / 4);
  return {
    id: createId('chatcmpl'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1_000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
    service_tier: 'default',
    system_fingerprint: 'fp_simulator',
  };
}

/** Passes every criterion when both sides spoke; deterministic so tests can assert on it. */
export function judgeDeterministically(request: EvaluationRequest): EvaluationAnswer {
  const agentTurns = request.transcript.filter((turn) => turn.role === 'agent').length;
  const callerTurns = request.transcript.filter((turn) => turn.role === 'caller').length;
  const conversed = agentTurns > 0 && callerTurns > 0;
  const reason = conversed
    ? `The agent and the caller both spoke (${agentTurns} agent and ${callerTurns} caller turns).`
    : `The transcript lacks ${agentTurns === 0 ? 'an agent' : 'a caller'} turn.`;

  const criteria = request.rubric.map((criterion) => ({
    id: criterion.id,
    score: conversed ? 0.9 : 0.2,
    passed: conversed,
    reason,
  }));
  const summary = conversed
    ? `All ${criteria.length} criteria passed.`
    : `All ${criteria.length} criteria failed: ${reason}`;
  return { criteria, summary };
}
