/** Request schemas of the call routes; types and OpenAPI come from these. */
import { z } from 'zod';
import { pageQuery } from '../../lib/pagination.js';
import { CALL_OUTCOMES } from '../../workflows/outcome.js';
import { STATUS_RANK, type CallStatus } from '../../workflows/types.js';

export const e164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number like +15005550006')
  .meta({ example: '+15005550006' });

const metadataValue = z.union([z.string().max(500), z.number(), z.boolean()]);

export const makeCallBody = z
  .object({
    to: e164,
    from: e164,
    agent_key: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "The agent; its phone route's rollout policy picks the version." }),
    agent_version_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'An explicit version; it must be approved.' }),
    greeting: z.string().min(1).max(500).optional(),
    metadata: z
      .record(z.string().max(64), metadataValue)
      .refine((value) => Object.keys(value).length <= 50, 'at most 50 keys')
      .optional(),
  })
  .strict()
  .refine((body) => (body.agent_key === undefined) !== (body.agent_version_id === undefined), {
    message: 'give exactly one of agent_key or agent_version_id',
    path: ['agent_key'],
  })
  .meta({
    id: 'MakeCallRequest',
    description:
      '`from` must be a number the tenant owns; give exactly one of agent_key or agent_version_id.',
  });

export type MakeCallBody = z.infer<typeof makeCallBody>;

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII only');

export const callIdParam = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not a call id'),
});

export const hangUpBody = z
  .object({ reason: z.string().max(200).optional() })
  .strict()
  .meta({ id: 'HangUpRequest' });

const callStatuses = Object.keys(STATUS_RANK) as [CallStatus, ...CallStatus[]];
const resourceId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not an id');
const instant = z.iso
  .datetime({ offset: true })
  .meta({ description: 'ISO 8601 with a zone, like 2026-01-01T12:00:00Z.' });

/** GET /call-logs: every filter is exact and they combine with AND. */
export const callLogQuery = z
  .object({
    status: z.enum(callStatuses).optional(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    from: e164.optional().meta({ description: 'The calling number, exactly.' }),
    to: e164.optional().meta({ description: 'The called number, exactly.' }),
    agent_id: resourceId.optional(),
    agent_version_id: resourceId.optional(),
    escalated: z
      .enum(['true', 'false'])
      .optional()
      .meta({ description: 'true: calls handed to a person (a handoff started).' }),
    outcome: z.enum(CALL_OUTCOMES).optional(),
    created_after: instant.optional().meta({ description: 'Calls created at or after.' }),
    created_before: instant.optional().meta({ description: 'Calls created before.' }),
    ...pageQuery,
  })
  .strict()
  .refine(
    (query) =>
      !query.created_after ||
      !query.created_before ||
      Date.parse(query.created_after) < Date.parse(query.created_before),
    { message: 'must be later than created_after', path: ['created_before'] },
  );

export type CallLogQuery = z.output<typeof callLogQuery>;
