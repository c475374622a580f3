/**
 * Keyset pagination of voice sessions, newest first on (started_at, id): the
 * `limit` and `cursor` query fields, the opaque cursor, and the page answer
 * `{ data, next_cursor }`. Kept in this one file so a shared pagination
 * module can replace it.
 */
import { z } from 'zod';
import type { VoiceSessionKeyset } from '../../db/voice-sessions.js';
import { ValidationError } from '../../lib/errors.js';

export const pageQueryFields = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'a next_cursor from a previous page')
    .optional()
    .meta({ description: 'The `next_cursor` of the previous page.' }),
};

export function page<Item extends z.ZodType>(item: Item) {
  return z.object({
    data: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });
}

/** `<started_at in microseconds>.<id>`, base64url: opaque to clients, exact for the keyset. */
export function encodeCursor(keyset: VoiceSessionKeyset): string {
  return Buffer.from(`${keyset.startedAtUs}.${keyset.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): VoiceSessionKeyset | undefined {
  if (cursor === undefined) return undefined;
  const match = /^(\d{1,19})\.([A-Za-z0-9_-]{1,100})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  if (!match?.[1] || !match[2]) {
    throw new ValidationError([{ field: 'cursor', message: 'a next_cursor from a previous page' }]);
  }
  return { startedAtUs: match[1], id: match[2] };
}

/** The rows were read with `limit + 1`: a row past the limit means another page follows. */
export function pageOf<Row extends { id: string; started_at_us: string }, Item>(
  rows: Row[],
  limit: number,
  present: (row: Row) => Item,
): { data: Item[]; next_cursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    data: shown.map(present),
    next_cursor:
      rows.length > limit && last
        ? encodeCursor({ startedAtUs: last.started_at_us, id: last.id })
        : null,
  };
}
