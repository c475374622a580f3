/** Voice sessions as the public API reads them: queries and the session view. */
import { z } from 'zod';
import { VOICE_SESSION_STATES, type VoiceSessionRow } from '../../db/voice-sessions.js';
import { pageQueryFields, pageSchema } from '../../lib/pagination.js';

/** Sessions are small rows read by dashboards: larger pages than the default. */
const sessionPageFields = pageQueryFields({ defaultLimit: 50, maxLimit: 200 });

const time = z.string().meta({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' });

export const voiceSessionIdParam = z.object({ id: z.string().min(1).max(100) });

export const activeSessionsQuery = z.object(sessionPageFields).strict();

export const voiceSessionsQuery = z
  .object({
    call_id: z.string().min(1).max(100).optional(),
    state: z.enum(VOICE_SESSION_STATES).optional(),
    started_after: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'Sessions started at or after this time.' }),
    started_before: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'Sessions started before this time.' }),
    ...sessionPageFields,
  })
  .strict()
  .refine(
    (query) =>
      !query.started_after ||
      !query.started_before ||
      Date.parse(query.started_after) < Date.parse(query.started_before),
    { path: ['started_before'], message: 'must be later than started_after' },
  );

export const voiceSessionView = z
  .object({
    id: z.string(),
    call_id: z.string(),
    stream_sid: z.string().meta({ description: "Twilio's StreamSid of the media stream." }),
    bridge_instance_id: z
      .string()
      .meta({ description: 'The media bridge instance carrying (or that carried) the stream.' }),
    state: z.enum(VOICE_SESSION_STATES).meta({
      description:
        'What the call is doing: connecting, greeting, listening, agent_speaking, in_tool, ' +
        'transferring, ending; ended once the stream is over.',
    }),
    status: z.enum(['active', 'ended', 'lost']).meta({
      description:
        'active: not ended and its bridge instance is live; ended: the stream is over; ' +
        'lost: not ended, but its bridge instance stopped heartbeating (it died).',
    }),
    state_changed_at: time,
    started_at: time,
    ended_at: time.nullable(),
    end_reason: z.string().nullable(),
    links: z.object({ self: z.string(), call: z.string() }),
  })
  .meta({ id: 'VoiceSession' });

export const voiceSessionPage = pageSchema(voiceSessionView).meta({ id: 'VoiceSessionPage' });

export function presentVoiceSession(row: VoiceSessionRow): z.output<typeof voiceSessionView> {
  return {
    id: row.id,
    call_id: row.call_id,
    stream_sid: row.stream_sid,
    bridge_instance_id: row.bridge_instance_id,
    state: row.state,
    status: row.ended_at ? 'ended' : row.instance_live ? 'active' : 'lost',
    state_changed_at: row.state_changed_at.toISOString(),
    started_at: row.started_at.toISOString(),
    ended_at: row.ended_at?.toISOString() ?? null,
    end_reason: row.end_reason,
    links: {
      self: `/api/v1/voice-sessions/${row.id}`,
      call: `/api/v1/call-logs/${row.call_id}`,
    },
  };
}
