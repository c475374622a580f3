/**
 * Every kept history replays against today's workflow code (C14): a change
 * that breaks determinism for a call in flight fails here, before a deploy
 * strands the calls of the previous release. Fixtures are grouped by the
 * release that recorded them (test/fixtures/histories/<release>/).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/bundle.js';
import { historyFromObject, type HistoryFixture } from '../support/histories.js';

const FIXTURES = 'test/fixtures/histories';

// Replay workers report each start and stop at INFO; only trouble matters here.
Runtime.install({ logger: new DefaultLogger('WARN') });

function fixtureFiles(): string[] {
  return readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .map((file) => join(FIXTURES, file))
    .sort();
}

function readFixture(file: string): HistoryFixture {
  return JSON.parse(readFileSync(file, 'utf8')) as HistoryFixture;
}

test('the kept histories cover every kind of workflow the worker hosts', () => {
  const types = new Set(fixtureFiles().map((file) => readFixture(file).workflowType));
  assert.deepEqual([...types].sort(), ['callWorkflow', 'callbackWorkflow', 'notificationWorkflow']);
});

/** The updates a history accepted, by name, in order. */
function acceptedUpdates(fixture: HistoryFixture): string[] {
  const events = (fixture.history as { events?: Array<Record<string, any>> }).events ?? [];
  return events
    .map(
      (event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name,
    )
    .filter((name): name is string => typeof name === 'string');
}

test('the kept histories include calls that lost their bridge: one that went on, one that could not', () => {
  const updates = fixtureFiles().map((file) => acceptedUpdates(readFixture(file)));
  const failedOver = updates.filter((names) => {
    const lost = names.indexOf('mediaStreamLost');
    return lost >= 0 && names.lastIndexOf('attachMediaStream') > lost;
  });
  assert.ok(failedOver.length >= 1, 'a call with a second stream after a lost one');
  const stranded = updates.filter(
    (names) =>
      names.filter((name) => name === 'mediaStreamLost').length > 1 &&
      names.lastIndexOf('attachMediaStream') < names.indexOf('mediaStreamLost'),
  );
  assert.ok(stranded.length >= 1, 'a call whose replacements never connected');
});

test('every kept history replays against the current workflow code', async () => {
  const workflowBundle = process.env.TEST_WORKFLOW_BUNDLE
    ? { codePath: process.env.TEST_WORKFLOW_BUNDLE }
    : await bundleWorkflows();
  const files = fixtureFiles();
  assert.ok(files.length >= 10, `expected the recorded histories, found ${files.length}`);

  // The real workflow id: workflows may read it (child ids, event ids derive from it).
  const fileOf = new Map<string, string>();
  async function* histories() {
    for (const file of files) {
      const fixture = readFixture(file);
      fileOf.set(fixture.workflowId, relative(FIXTURES, file));
      yield { workflowId: fixture.workflowId, history: historyFromObject(fixture.history) };
    }
  }

  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories())) {
    replayed += 1;
    const file = fileOf.get(result.workflowId) ?? result.workflowId;
    if (result.error) failures.push(`${file}: ${result.error.message}`);
  }
  assert.equal(replayed, files.length);
  assert.deepEqual(failures, []);
});
