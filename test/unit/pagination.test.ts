import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keysetSql } from '../../db/keyset.js';
import { z } from 'zod';
import { decodeCursor, encodeCursor, pageOf, pageQueryFields } from '../../lib/pagination.js';

const position = { at: '2026-01-01T10:00:00.123456Z', id: 'call_abc-DEF_1' };

test('a cursor decodes to the position it was made from, microseconds included', () => {
  const cursor = encodeCursor(position);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'safe in a query string as it is');
  assert.deepEqual(decodeCursor(cursor), position);
});

test('anything a page did not hand out decodes to nothing', () => {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const cursor of [
    '',
    'not a cursor',
    'abc$',
    Buffer.from('not json').toString('base64url'),
    json({ at: position.at, id: position.id }),
    json([position.at]),
    json(['2026-01-01', position.id]),
    json(['2026-13-45T99:00:00Z', position.id]),
    json(['2026-02-30T00:00:00Z', position.id]),
    json(['2026-01-01T24:00:00Z', position.id]),
    json([position.at, "call'; DROP TABLE calls; --"]),
    json([position.at, 42]),
    'A'.repeat(401),
  ]) {
    assert.equal(decodeCursor(cursor), undefined, cursor);
  }
});

test('a page of limit + 1 rows answers limit items and a cursor at the last of them', () => {
  const rows = [1, 2, 3, 4].map((n) => ({ id: `call_${n}`, at: `2026-01-01T10:00:0${n}Z` }));
  const present = (row: { id: string }) => row.id;
  const positionOf = (row: { id: string; at: string }) => ({ at: row.at, id: row.id });

  const full = pageOf(rows, 3, present, positionOf);
  assert.deepEqual(full.data, ['call_1', 'call_2', 'call_3']);
  assert.deepEqual(decodeCursor(full.next_cursor ?? ''), {
    at: '2026-01-01T10:00:03Z',
    id: 'call_3',
  });

  // Exactly `limit` rows: nothing follows, so no cursor (and no empty page after).
  assert.equal(pageOf(rows.slice(0, 3), 3, present, positionOf).next_cursor, null);
  assert.deepEqual(pageOf([], 3, present, positionOf), { data: [], next_cursor: null });
});

test('the SQL starts strictly after the cursor and asks for one row more than the page', () => {
  const params: unknown[] = ['ten_1'];
  const first = keysetSql({ limit: 25 }, params);
  assert.equal(first.condition, undefined);
  assert.equal(first.orderAndLimit, 'ORDER BY created_at DESC, id DESC LIMIT $2');
  assert.deepEqual(params, ['ten_1', 26]);

  const later: unknown[] = ['ten_1', 'completed'];
  const next = keysetSql({ limit: 10, after: position }, later, { table: 'c' });
  assert.equal(next.condition, '(c.created_at, c.id) < ($3::timestamptz, $4)');
  assert.equal(next.orderAndLimit, 'ORDER BY c.created_at DESC, c.id DESC LIMIT $5');
  assert.deepEqual(later, ['ten_1', 'completed', position.at, position.id, 11]);
});

test('another list orders on its own time column, with its own limits', () => {
  const params: unknown[] = [];
  const sql = keysetSql({ limit: 5, after: position }, params, {
    time: 'started_at',
    table: 'v',
  });
  assert.equal(sql.condition, '(v.started_at, v.id) < ($1::timestamptz, $2)');
  assert.match(sql.positionColumn, /^to_char\(v\.started_at AT TIME ZONE 'UTC'.* AS page_at$/);

  const fields = z.object(pageQueryFields({ defaultLimit: 50, maxLimit: 200 }));
  assert.deepEqual(fields.parse({}), { limit: 50 });
  assert.equal(fields.safeParse({ limit: '200' }).success, true);
  assert.equal(fields.safeParse({ limit: '201' }).success, false);
});
