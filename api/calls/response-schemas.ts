/** The shapes the call routes answer with (see present.ts), for the public document. */
import { z } from 'zod';
import { pageSchema } from '../../lib/pagination.js';

const timestamp = z.string().meta({ format: 'date-time' });

export const callAccepted = z
  .object({
    call_id: z.string(),
    workflow_id: z.string(),
    status: z.string().meta({ example: 'queued' }),
    links: z.object({ self: z.string(), temporal_ui: z.string() }),
  })
  .meta({ id: 'CallAccepted' });

export const transcriptTurn = z
  .object({
    sequence: z.int(),
    role: z.enum(['agent', 'caller']),
    text: z.string(),
    interrupted: z
      .boolean()
      .meta({ description: 'The caller spoke over this turn; text is what was heard.' }),
    started_at: timestamp.nullable(),
    ended_at: timestamp.nullable(),
  })
  .meta({ id: 'TranscriptTurn' });

export const functionCall = z
  .object({
    tool_call_id: z.string(),
    name: z.string(),
    arguments: z.unknown(),
    status: z.enum(['succeeded', 'failed', 'refused']),
    output: z.unknown(),
    error: z.string().nullable(),
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
  })
  .meta({ id: 'FunctionCall' });

export const evaluation = z
  .object({
    id: z.string(),
    passed: z.boolean(),
    overall_score: z.number(),
    checks: z.unknown(),
    judgment: z.unknown(),
    model: z.string(),
    created_at: timestamp.nullable(),
  })
  .meta({ id: 'Evaluation' });

export const callEvent = z
  .object({ type: z.string(), detail: z.unknown(), occurred_at: timestamp.nullable() })
  .meta({ id: 'CallEvent' });

export const call = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  status: z.string(),
  outcome: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  agent_id: z.string().nullable(),
  agent_version_id: z.string().nullable(),
  version_reason: z.string().nullable().meta({ description: 'Why this version answered.' }),
  call_sid: z.string().nullable(),
  workflow_id: z.string(),
  temporal_ui_url: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  end_reason: z.string().nullable(),
  escalated: z.boolean(),
  created_at: timestamp.nullable(),
  answered_at: timestamp.nullable(),
  ended_at: timestamp.nullable(),
  duration_sec: z.int().nullable(),
});

export const callLogPage = pageSchema(
  call.meta({ id: 'CallLog', description: "A call's record, without its transcript and events." }),
).meta({ id: 'CallLogPage' });

export const callDetail = call
  .extend({
    transcript: z.array(transcriptTurn),
    function_calls: z.array(functionCall),
    evaluation: evaluation.nullable(),
    events: z.array(callEvent),
  })
  .meta({ id: 'CallDetail' });

export const hangUpAccepted = z
  .object({ call_id: z.string(), status: z.literal('ending') })
  .meta({ id: 'HangUpAccepted' });

export function listOf<Item extends z.ZodType>(item: Item) {
  return z.object({ data: z.array(item) });
}
