import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callSchedule, parseRates, timestampMs } from '../../bench/control-plane-schedule.js';
import { Samples } from '../../bench/stats.js';

test('a rate places its calls evenly over the step, alternating outbound and inbound', () => {
  const calls = callSchedule(4, 1.5);
  assert.deepEqual(calls, [
    { atMs: 0, kind: 'outbound' },
    { atMs: 250, kind: 'inbound' },
    { atMs: 500, kind: 'outbound' },
    { atMs: 750, kind: 'inbound' },
    { atMs: 1_000, kind: 'outbound' },
    { atMs: 1_250, kind: 'inbound' },
  ]);
  const many = callSchedule(20, 15);
  assert.equal(many.length, 300);
  assert.equal(many.filter((call) => call.kind === 'outbound').length, 150);
  assert.ok((many.at(-1)?.atMs ?? 0) < 15_000, 'every call starts within the step');
  assert.deepEqual(
    callSchedule(3, 1).map((call) => call.atMs),
    [0, 333.333, 666.667],
  );
  assert.throws(() => callSchedule(0, 10), RangeError);
});

test('rates are a list of positive numbers', () => {
  assert.deepEqual(parseRates('2, 5,10,20'), [2, 5, 10, 20]);
  assert.throws(() => parseRates('2,,5'), RangeError);
  assert.throws(() => parseRates('-1'), RangeError);
});

test("Temporal's timestamps become epoch milliseconds, Long seconds or not", () => {
  assert.equal(timestampMs({ seconds: 1_700_000_000, nanos: 250_000_000 }), 1_700_000_000_250);
  assert.equal(
    timestampMs({ seconds: { toNumber: () => 1_700_000_000 }, nanos: 1_500_000 }),
    1_700_000_000_001.5,
  );
  assert.equal(timestampMs(undefined), undefined);
  assert.equal(timestampMs({ nanos: 5 }), undefined);
});

test('percentiles are nearest-rank over the samples', () => {
  const samples = new Samples();
  for (let value = 100; value >= 1; value -= 1) samples.add(value);
  assert.deepEqual(samples.percentiles(50, 99, 100), [50, 99, 100]);
  const one = new Samples();
  one.add(7);
  assert.deepEqual(one.percentiles(50, 99), [7, 7]);
  assert.ok(Number.isNaN(new Samples().percentiles(50)[0]));
});
