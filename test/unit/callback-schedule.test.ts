import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isOpen,
  isQuiet,
  nextBusinessTime,
  nextCallableTime,
  type BusinessHours,
} from '../../workflows/callback-schedule.js';

test('quiet hours that wrap past midnight hold a callback until they end, in the tenant time zone', () => {
  const quiet = { start: '21:00', end: '08:00' };
  // 03:30 UTC is 22:30 in New York (EST, UTC-5): quiet until 08:00 local, 13:00 UTC.
  const night = new Date('2026-12-04T03:30:00Z');
  assert.equal(isQuiet(night, 'America/New_York', quiet), true);
  assert.equal(
    nextCallableTime(night, 'America/New_York', quiet).toISOString(),
    '2026-12-04T13:00:00.000Z',
  );
  const afternoon = new Date('2026-12-04T18:00:00Z');
  assert.equal(
    nextCallableTime(afternoon, 'America/New_York', quiet).toISOString(),
    afternoon.toISOString(),
  );
  assert.equal(nextCallableTime(night, 'UTC', null).toISOString(), night.toISOString());
});

test('the next business hour skips closed days in the queue time zone', () => {
  const hours: BusinessHours = { mon: ['09:00', '17:00'], fri: ['09:00', '12:00'] };
  // Friday 2026-12-04 13:00 in Paris (UTC+1) is after Friday's hours: next is Monday 09:00 Paris.
  const friday = new Date('2026-12-04T12:00:00Z');
  assert.equal(isOpen(friday, 'Europe/Paris', hours), false);
  assert.equal(
    nextBusinessTime(friday, 'Europe/Paris', hours)?.toISOString(),
    '2026-12-07T08:00:00.000Z',
  );
  assert.equal(isOpen(new Date('2026-12-04T09:30:00Z'), 'Europe/Paris', hours), true);
});

test('a queue without business hours is always open; one with no open day never opens', () => {
  const at = new Date('2026-12-05T02:00:00Z');
  assert.equal(isOpen(at, 'UTC', {}), true);
  assert.equal(nextBusinessTime(at, 'UTC', { sat: ['10:00', '10:00'] }), null);
});

test('hours that open and close at the same minute every day are never open: no next opening', () => {
  const at = new Date('2026-12-04T12:00:00Z');
  assert.equal(nextBusinessTime(at, 'America/New_York', { mon: ['09:00', '09:00'] }), null);
  assert.equal(
    nextBusinessTime(at, 'Europe/Paris', { mon: ['09:00', '09:00'], fri: ['18:30', '18:30'] }),
    null,
  );
  // One real day among them still opens, in its own time zone.
  assert.deepEqual(
    nextBusinessTime(at, 'America/New_York', { mon: ['09:00', '09:00'], tue: ['09:00', '17:00'] }),
    new Date('2026-12-08T14:00:00Z'),
  );
});
