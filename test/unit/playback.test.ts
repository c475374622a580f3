import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlaybackTracker } from '../../media/playback.js';

/** 100 ms of mu-law. */
const CHUNK = 800;

test('marks the audio every 200 ms and at the end of an item', () => {
  const playback = new PlaybackTracker();
  assert.equal(playback.recordAudio('a', CHUNK), undefined);
  assert.equal(playback.recordAudio('a', CHUNK), 'g0.1');
  assert.equal(playback.recordAudio('a', CHUNK), undefined);
  assert.equal(playback.finishItem('a'), 'g0.2');
  assert.equal(playback.unplayedMs(), 300);
});

test('an item counts as played only when its last mark comes back', () => {
  const playback = new PlaybackTracker();
  playback.recordAudio('a', CHUNK * 2);
  playback.recordAudio('a', CHUNK);
  playback.finishItem('a');
  assert.deepEqual(playback.acknowledge('g0.1'), { itemId: 'a', playedMs: 200 });
  assert.equal(playback.isFullyPlayed('a'), false);
  assert.equal(playback.hasUnplayedAudio(), true);
  playback.acknowledge('g0.2');
  assert.equal(playback.isFullyPlayed('a'), true);
  assert.equal(playback.hasUnplayedAudio(), false);
});

test('an item whose last interval mark came back before it finished is played through', () => {
  const playback = new PlaybackTracker();
  playback.recordAudio('a', CHUNK * 2);
  playback.acknowledge('g0.1');
  assert.equal(playback.finishItem('a'), undefined);
  assert.equal(playback.hasUnplayedAudio(), false);
});

test('interrupting cuts at the last acknowledged mark, never past what was sent, and voids pending marks', () => {
  const playback = new PlaybackTracker();
  for (let i = 0; i < 20; i += 1) playback.recordAudio('a', CHUNK);
  playback.finishItem('a');
  playback.recordAudio('b', CHUNK * 3);
  playback.finishItem('b');
  playback.acknowledge('g0.1');
  playback.acknowledge('g0.2');
  playback.acknowledge('g0.3');

  assert.deepEqual(playback.interrupt(), { itemId: 'a', heardMs: 600, unheardItems: ['b'] });
  // Twilio hands back the discarded marks after the clear: stale, not playback.
  assert.equal(playback.acknowledge('g0.4'), undefined);
  assert.equal(playback.acknowledge('g0.10'), undefined);
  assert.equal(playback.playedMs('a'), 600);
  assert.equal(playback.hasUnplayedAudio(), false);
  // New marks carry the next generation.
  assert.equal(playback.recordAudio('c', CHUNK * 2), 'g1.12');
});

test('unmarked audio still at Twilio counts as unplayed: a barge-in then clears it', () => {
  const playback = new PlaybackTracker();
  playback.recordAudio('a', CHUNK);
  assert.deepEqual(playback.interrupt(), { itemId: 'a', heardMs: 0, unheardItems: [] });
});

test('with every mark back there is nothing to clear or truncate', () => {
  const playback = new PlaybackTracker();
  playback.recordAudio('a', CHUNK * 2);
  playback.finishItem('a');
  playback.acknowledge('g0.1');
  assert.equal(playback.interrupt(), undefined);
});
