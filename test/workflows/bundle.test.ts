import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { findLateHandlers } from '../../scripts/check-workflow-handlers.js';
import { bundleWorkflows } from '../../workers/bundle.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/workflows/${name}`, import.meta.url));

test('the product workflows bundle without any forbidden module (C14)', async () => {
  const bundle = await bundleWorkflows();
  assert.ok(bundle.code.includes('callWorkflow'));
  for (const forbidden of [
    'node_modules/pg/',
    'node_modules/twilio/',
    'node_modules/openai/',
    'node_modules/ws/',
  ]) {
    assert.equal(bundle.code.includes(forbidden), false, forbidden);
  }
});

test('the bundle refuses a workflow that imports pg (C14)', async () => {
  await assert.rejects(
    bundleWorkflows(fixture('imports-pg.ts')),
    /Webpack finished with errors|disallowed modules/,
  );
});

test('the bundle refuses a workflow that imports an activity as a value (C14)', async () => {
  await assert.rejects(
    bundleWorkflows(fixture('imports-activity-value.ts')),
    /Webpack finished with errors|disallowed modules/,
  );
});

test('the handler-order check finds a handler registered after an await (C12)', () => {
  const problems = findLateHandlers(
    'late-handler.ts',
    readFileSync(fixture('late-handler.ts'), 'utf8'),
  );
  assert.deepEqual(
    problems.map((p) => [p.workflow, p.line]),
    [['lateWorkflow', 8]],
  );
  const product = findLateHandlers(
    'call.ts',
    readFileSync(fileURLToPath(new URL('../../workflows/call.ts', import.meta.url)), 'utf8'),
  );
  assert.deepEqual(product, []);
});
