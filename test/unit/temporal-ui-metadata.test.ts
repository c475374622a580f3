/** What the Temporal UI shows of a call: start options and activity summaries, numbers masked. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summaryOf } from '../../workflows/activity-summaries.js';
import { callStartOptions } from '../../workflows/call-start.js';
import {
  AGENT_VERSION,
  CALL_DIRECTION,
  CALL_STATUS,
  ESCALATED,
  TENANT_ID,
  WORKFLOW_KIND,
} from '../../workflows/search-attributes.js';

const CALLER = '+14155550123';
const OURS = '+15005550001';

test('every call starts with its tenant, kind, direction, status and Escalated = false', () => {
  const inbound = callStartOptions({
    callId: 'call_CA1',
    tenantId: 'ten_1',
    direction: 'inbound',
    from: CALLER,
    to: OURS,
    agentId: 'agt_1',
  });
  assert.equal(inbound.workflowId, 'call-call_CA1');
  assert.deepEqual(
    inbound.typedSearchAttributes.map(({ key, value }) => [key.name, value]),
    [
      [TENANT_ID.name, 'ten_1'],
      [WORKFLOW_KIND.name, 'call'],
      [CALL_DIRECTION.name, 'inbound'],
      [CALL_STATUS.name, 'ringing'],
      [ESCALATED.name, false],
    ],
  );

  const callback = callStartOptions(
    {
      callId: 'call_2',
      tenantId: 'ten_1',
      direction: 'outbound',
      from: OURS,
      to: CALLER,
      agentVersionId: 'ver_1',
    },
    { callbackTaskId: 'cbt_1' },
  );
  const attributes = new Map(callback.typedSearchAttributes.map(({ key, value }) => [key, value]));
  assert.equal(attributes.get(CALL_STATUS), 'queued');
  assert.equal(attributes.get(AGENT_VERSION), 'ver_1', 'known at the start, so set at the start');
  assert.equal(callback.memo.callbackTaskId, 'cbt_1');
  assert.equal(
    callback.staticSummary,
    'outbound call from +1500***0001 to +1415***0123 (callback)',
  );
  assert.match(callback.staticDetails, /callback task `cbt_1`/);

  for (const options of [inbound, callback]) {
    const shown = JSON.stringify([options.memo, options.staticSummary, options.staticDetails]);
    assert.ok(!shown.includes(CALLER) && !shown.includes(OURS), shown);
    assert.ok(
      Buffer.byteLength(options.staticSummary) <= 200,
      'Temporal caps summaries at 200 bytes',
    );
  }
});

test('activity summaries say what each step does and never show a full number', () => {
  const cases: Array<[string, unknown, string]> = [
    ['placeCall', { to: CALLER, from: OURS }, 'dial +1415***0123'],
    ['recordCallProgress', { event: { type: 'ringing' } }, 'record ringing'],
    ['recordCallProgress', { status: 'in-progress' }, 'record in-progress'],
    [
      'runTool',
      { tool: { name: 'check_order_status' }, arguments: { pin: '4321' } },
      'run tool check_order_status',
    ],
    [
      'recordFunctionCall',
      { name: 'end_call', result: { status: 'succeeded' } },
      'record tool end_call: succeeded',
    ],
    ['saveTranscriptTurns', { firstSequence: 4, turns: [{}, {}, {}] }, 'save transcript turns 4-6'],
    ['hangUpCall', { beforeAnswer: true }, 'cancel the ringing call'],
    ['startColdTransfer', { operatorNumber: CALLER }, 'cold transfer to +1415***0123'],
    [
      'finalizeCall',
      { status: 'completed', outcome: 'voicemail' },
      'record the end: completed, voicemail',
    ],
  ];
  for (const [name, input, expected] of cases) assert.equal(summaryOf(name, input), expected);
  assert.equal(summaryOf('somethingNew', { to: CALLER }), undefined, 'unknown: no summary');
  assert.ok(!(summaryOf('runTool', cases[3]?.[1]) ?? '').includes('4321'), 'no tool arguments');
});
