/** Request and answer schemas of the operator routes (queues, callback tasks). */
import { z } from 'zod';
import { e164 } from '../calls/schemas.js';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone like Europe/Paris')
  .meta({ example: 'America/New_York' });
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

export const callbackPolicyBody = z
  .object({
    max_attempts: z.number().int().min(1).max(20),
    spacing_sec: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400),
    time_zone: timeZone,
    quiet_hours: z
      .object({ start: clock, end: clock })
      .nullable()
      .meta({ description: 'Local times when no callback rings; may wrap past midnight.' }),
  })
  .strict()
  .meta({ id: 'CallbackPolicy' });

export const idParam = z.object({ id: z.string().min(1).max(100) });

export const createQueueBody = z
  .object({
    name: z.string().min(1).max(100),
    operator_number: e164.optional().meta({ description: 'Where transfers to this queue ring.' }),
    time_zone: timeZone.default('UTC'),
    business_hours: z
      .partialRecord(weekday, z.tuple([clock, clock]))
      .default({})
      .meta({ description: 'Open hours per weekday, local time; a missing day is closed.' }),
    members: z.array(z.string().min(1).max(200)).max(200).default([]),
    capacity: z.number().int().min(1).max(10_000).default(10),
  })
  .strict()
  .meta({ id: 'CreateQueueRequest' });

export const queueView = z
  .object({
    id: z.string(),
    name: z.string(),
    operator_number: z.string().nullable(),
    time_zone: z.string(),
    business_hours: z.record(z.string(), z.tuple([z.string(), z.string()])),
    members: z.array(z.string()),
    capacity: z.number(),
    open_now: z.boolean(),
    next_open_at: z.string().nullable(),
    active_tasks: z.number(),
  })
  .meta({ id: 'Queue' });

const callbackStatus = z.enum([
  'open',
  'scheduled',
  'calling',
  'claimed',
  'completed',
  'canceled',
  'failed',
]);

export const createCallbackBody = z
  .object({
    phone_number: e164,
    from: e164.meta({ description: 'A number the tenant owns; the callback is placed from it.' }),
    agent_key: z.string().min(1).max(100).optional(),
    agent_version_id: z.string().min(1).max(100).optional(),
    queue_id: z.string().min(1).max(100).optional(),
    call_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'The call this follows up.' }),
    reason: z.string().max(500).default(''),
    mode: z.enum(['call', 'notify_queue']).default('call').meta({
      description: '`call` places the call when due; `notify_queue` hands the task to operators.',
    }),
    due_at: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: "When to call; default the queue's next business hour, or now." }),
  })
  .strict()
  .refine((body) => (body.agent_key === undefined) !== (body.agent_version_id === undefined), {
    message: 'give exactly one of agent_key or agent_version_id',
    path: ['agent_key'],
  })
  .meta({ id: 'CreateCallbackRequest' });

export const listCallbacksQuery = z
  .object({
    status: callbackStatus.optional(),
    queue_id: z.string().min(1).max(100).optional(),
    call_id: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const claimBody = z
  .object({ operator: z.string().min(1).max(200) })
  .strict()
  .meta({ id: 'ClaimCallbackRequest' });

export const completeBody = z
  .object({ disposition: z.string().min(1).max(200) })
  .strict()
  .meta({ id: 'CompleteCallbackRequest' });

export const cancelBody = z
  .object({ reason: z.string().max(200).optional() })
  .strict()
  .meta({ id: 'CancelCallbackRequest' });

export const callbackView = z
  .object({
    id: z.string(),
    status: callbackStatus,
    queue_id: z.string().nullable(),
    phone_number: z.string(),
    reason: z.string(),
    source: z.enum(['agent', 'handoff', 'api']),
    mode: z.enum(['call', 'notify_queue']),
    due_at: z.string().nullable(),
    attempts: z.number(),
    claimed_by: z.string().nullable(),
    disposition: z.string().nullable(),
    workflow_id: z.string().nullable(),
    call_id: z.string().nullable(),
    last_call_id: z.string().nullable(),
    created_at: z.string(),
    links: z.object({
      self: z.string(),
      call: z.string().nullable(),
      transcript: z.string().nullable(),
      evaluation: z.string().nullable(),
      temporal_ui: z.string().nullable(),
    }),
  })
  .meta({ id: 'CallbackTask' });

export const callbackDetail = callbackView
  .extend({
    history: z.array(
      z.object({
        attempt: z.number(),
        call_id: z.string().nullable(),
        outcome: z.string(),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'CallbackTaskDetail' });
