/** Schemas and helpers shared by the admin resources. */
import { z } from 'zod';

export const resourceId = z.string().min(1).max(100);

/** Who acts: an email, a username or an automation's name. */
export const actorName = z
  .string()
  .regex(/^[A-Za-z0-9._@:+-]{1,100}$/, 'letters, digits and . _ @ : + - only, at most 100');

export const actorHeader = z.object({
  'x-admin-actor': actorName.meta({ description: 'Who is acting; recorded in the audit log.' }),
});

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: resourceId.optional().meta({ description: 'The `next_cursor` of the previous page.' }),
};

export function page<Item extends z.ZodType>(item: Item) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  present: (row: Row) => Item,
  idOf: (row: Row) => string,
) {
  const last = rows.length === limit ? rows[rows.length - 1] : undefined;
  return { data: rows.map(present), next_cursor: last ? idOf(last) : null };
}

export const timestamp = z
  .string()
  .meta({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' });

export function iso(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}
