import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestWindow } from '../../lib/rate-window.js';

test('allows up to the limit in a window, then refuses with the seconds left in it', () => {
  const window = new RequestWindow(60_000);
  const startMs = 1_000_000;
  for (let index = 0; index < 3; index += 1)
    assert.deepEqual(window.take('a', 3, startMs + index), { allowed: true });
  assert.deepEqual(window.take('a', 3, startMs + 15_000), { allowed: false, retryAfterSec: 45 });
  assert.deepEqual(
    window.take('b', 3, startMs + 15_000),
    { allowed: true },
    'keys are counted apart',
  );
});

test('a new window starts once the old one has passed', () => {
  const window = new RequestWindow(60_000);
  assert.deepEqual(window.take('a', 1, 0), { allowed: true });
  assert.equal(window.take('a', 1, 59_999).allowed, false);
  assert.deepEqual(window.take('a', 1, 60_000), { allowed: true });
});

test('never answers a Retry-After under one second', () => {
  const window = new RequestWindow(60_000);
  window.take('a', 1, 0);
  assert.deepEqual(window.take('a', 1, 59_999), { allowed: false, retryAfterSec: 1 });
});

test('forgets expired windows once many keys are tracked', () => {
  const window = new RequestWindow(60_000);
  for (let index = 0; index < 10_000; index += 1) window.take(`old-${index}`, 5, 0);
  window.take('fresh', 5, 120_000);
  assert.equal(window.trackedKeys, 1);
});
