/**
 * The post-call evaluation: deterministic checks from the record, plus the
 * model's structured judgment against the version's rubric.
 */
import type OpenAI from 'openai';
import { z } from 'zod';
import { findCall, listFunctionCalls, listTranscript, upsertEvaluation } from '../db/calls.js';
import type { Database } from '../db/database.js';
import { newId } from '../lib/ids.js';
import { heartbeatWhile } from './heartbeat.js';
import type { RubricCriterion } from '../workflows/types.js';
import type { WorkerMetrics } from './metrics.js';

export interface EvaluationDependencies {
  db: Database;
  openai: OpenAI;
  model: string;
  metrics?: WorkerMetrics;
}

const DEFAULT_RUBRIC: RubricCriterion[] = [
  { id: 'helpfulness', description: 'The agent addressed what the caller needed.' },
  { id: 'tone', description: 'The agent was polite and concise.' },
];

const JUDGE_INSTRUCTIONS =
  'You grade phone calls handled by an AI agent. For each rubric criterion, give a score from 0 ' +
  'to 1, whether it passed, and one short reason. Judge only from the transcript given.';

const judgmentSchema = z.object({
  criteria: z.array(
    z.object({
      id: z.string(),
      score: z.number().min(0).max(1),
      passed: z.boolean(),
      reason: z.string(),
    }),
  ),
  summary: z.string(),
});

const JUDGMENT_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['criteria', 'summary'],
  properties: {
    summary: { type: 'string' },
    criteria: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'score', 'passed', 'reason'],
        properties: {
          id: { type: 'string' },
          score: { type: 'number' },
          passed: { type: 'boolean' },
          reason: { type: 'string' },
        },
      },
    },
  },
};

export interface Check {
  id: string;
  passed: boolean;
  detail: string;
}

export function deterministicChecks(input: {
  status: string;
  turns: Array<{ role: string }>;
  functionCalls: Array<{ name: string; status: string }>;
  requiredTools: string[];
}): Check[] {
  const agentTurns = input.turns.filter((turn) => turn.role === 'agent').length;
  const callerTurns = input.turns.length - agentTurns;
  const checks: Check[] = [
    {
      id: 'call_completed',
      passed: input.status === 'completed',
      detail: `status ${input.status}`,
    },
    {
      id: 'conversation_happened',
      passed: agentTurns > 0 && callerTurns > 0,
      detail: `${agentTurns} agent and ${callerTurns} caller turns`,
    },
  ];
  for (const tool of input.requiredTools) {
    const ran = input.functionCalls.some(
      (call) => call.name === tool && call.status === 'succeeded',
    );
    checks.push({
      id: `required_tool:${tool}`,
      passed: ran,
      detail: ran ? 'called' : 'never called',
    });
  }
  return checks;
}

export interface EvaluateCallInput {
  callId: string;
  tenantId: string;
  rubric: RubricCriterion[];
  requiredTools: string[];
}

export interface EvaluationOutcome {
  passed: boolean;
  overallScore: number;
}

export function createEvaluationActivities(deps: EvaluationDependencies) {
  return {
    // The judge may take a while: heartbeats let a dead worker's attempt be retried promptly.
    async evaluateCall(input: EvaluateCallInput): Promise<EvaluationOutcome> {
      return heartbeatWhile(() => evaluate(input));
    },
  };

  async function evaluate(input: EvaluateCallInput): Promise<EvaluationOutcome> {
    const call = await findCall(deps.db, input.tenantId, input.callId);
    if (!call) throw new Error('call not found');
    const turns = await listTranscript(deps.db, input.tenantId, input.callId);
    const functionCalls = await listFunctionCalls(deps.db, input.tenantId, input.callId);

    const checks = deterministicChecks({
      status: call.status,
      turns,
      functionCalls,
      requiredTools: input.requiredTools,
    });
    const rubric = input.rubric.length > 0 ? input.rubric : DEFAULT_RUBRIC;

    const completion = await deps.openai.chat.completions.create({
      model: deps.model,
      messages: [
        { role: 'system', content: JUDGE_INSTRUCTIONS },
        {
          role: 'user',
          content: JSON.stringify({
            rubric,
            transcript: turns.map((turn) => ({ role: turn.role, text: turn.text })),
            function_calls: functionCalls.map((fc) => ({ name: fc.name, status: fc.status })),
            outcome: call.status,
          }),
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'call_evaluation', strict: true, schema: JUDGMENT_JSON_SCHEMA },
      },
    });
    const judgment = judgmentSchema.parse(
      JSON.parse(completion.choices[0]?.message.content ?? 'null'),
    );

    const scores = [
      ...checks.map((check) => (check.passed ? 1 : 0)),
      ...judgment.criteria.map((c) => c.score),
    ];
    const overallScore = scores.reduce((sum, score) => sum + score, 0) / Math.max(scores.length, 1);
    const passed =
      checks.every((check) => check.passed) && judgment.criteria.every((c) => c.passed);

    await upsertEvaluation(deps.db, {
      id: newId('eval'),
      callId: input.callId,
      tenantId: input.tenantId,
      passed,
      overallScore,
      checks,
      judgment,
      model: completion.model,
    });
    deps.metrics?.evaluationScore.observe(overallScore);
    return { passed, overallScore };
  }
}
