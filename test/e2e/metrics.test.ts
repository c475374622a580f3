import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { readingParty } from '../support/fixtures.js';
import { sampleSum, scrape } from '../support/metrics-text.js';
import { eventually, postJson, startTestStack } from '../support/stack.js';
import { waitForEvaluatedRecord } from './call-record.js';

let stack: Stack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.stop());

interface Scrapes {
  api: string;
  bridge: string;
  worker: string;
}

async function scrapeAll(): Promise<Scrapes> {
  const [api, bridge, worker] = await Promise.all([
    scrape(stack.metricsUrls.api),
    scrape(stack.metricsUrls.bridge),
    scrape(stack.metricsUrls.worker),
  ]);
  return { api, bridge, worker };
}

test('an outbound call with a tool moves the api, bridge and worker metrics by what it did', async (t) => {
  stack.phone.setParty(DEMO_CALLEE, readingParty());
  const before = await scrapeAll();
  const delta = (part: keyof Scrapes, now: Scrapes, name: string, labels = {}) =>
    sampleSum(now[part], name, labels) - sampleSum(before[part], name, labels);

  const accepted = await postJson(stack, '/api/v1/make-call', {
    to: DEMO_CALLEE,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
  });
  assert.equal(accepted.status, 202);
  const callId: string = accepted.body.call_id;

  // While the call is live: one stream on the bridge, one outbound call without an end.
  await eventually(
    async () => {
      const live = await scrapeAll();
      const streams = sampleSum(live.bridge, 'voice_bridge_active_streams');
      const active = sampleSum(live.worker, 'voice_calls_active', { direction: 'outbound' });
      return streams === 1 && active === 1 ? true : undefined;
    },
    60_000,
    'the live call in the gauges',
  );

  const record = await waitForEvaluatedRecord(stack, callId);
  assert.equal(record.outcome, 'completed');
  const after = await scrapeAll();

  // Worker: counted once in the activities that wrote the start, the end, the tool, the score.
  assert.equal(delta('worker', after, 'voice_calls_started_total', { direction: 'outbound' }), 1);
  assert.equal(delta('worker', after, 'voice_calls_started_total', { direction: 'inbound' }), 0);
  assert.equal(
    delta('worker', after, 'voice_calls_ended_total', {
      direction: 'outbound',
      outcome: 'completed',
    }),
    1,
  );
  assert.equal(sampleSum(after.worker, 'voice_calls_active'), 0);
  assert.equal(
    delta('worker', after, 'voice_tool_runs_total', {
      tool: 'check_order_status',
      result: 'succeeded',
    }),
    1,
  );
  assert.equal(delta('worker', after, 'voice_evaluation_score_count'), 1);
  const scoreSum = delta('worker', after, 'voice_evaluation_score_sum');
  assert.ok(Math.abs(scoreSum - record.evaluation.overall_score) < 1e-6, String(scoreSum));
  // The Temporal SDK's own metrics, merged into the worker's scrape.
  assert.match(after.worker, /^temporal_workflow_task_\w+/m);
  assert.match(after.worker, /^temporal_activity_execution_latency\w*/m);

  // Api: Twilio's status callbacks on the webhook histogram, the API by route pattern.
  assert.equal(
    delta('api', after, 'voice_twilio_webhook_duration_seconds_count', {
      route: '/api/v1/call-status',
      status: '204',
    }),
    4,
  );
  assert.equal(
    delta('api', after, 'voice_api_request_duration_seconds_count', {
      route: '/api/v1/make-call',
      method: 'POST',
      status_class: '2xx',
    }),
    1,
  );
  assert.ok(
    delta('api', after, 'voice_api_request_duration_seconds_count', {
      route: '/api/v1/call-logs/:id',
      method: 'GET',
    }) >= 1,
  );
  assert.ok(!after.api.includes(callId), 'no raw path with an id among the labels');

  // Bridge: frames timed both ways, the stream closed, the event loop watched.
  for (const hop of ['twilio_to_model', 'model_to_twilio']) {
    assert.ok(delta('bridge', after, 'voice_bridge_frame_handling_seconds_count', { hop }) > 10);
  }
  assert.equal(sampleSum(after.bridge, 'voice_bridge_active_streams'), 0);
  for (const hop of ['twilio_to_model', 'model_to_twilio']) {
    const frames = delta('bridge', after, 'voice_bridge_frame_handling_seconds_count', { hop });
    const seconds = delta('bridge', after, 'voice_bridge_frame_handling_seconds_sum', { hop });
    t.diagnostic(`${hop}: ${frames} frames, ${((seconds / frames) * 1e6).toFixed(0)} µs each`);
  }
  assert.match(after.bridge, /^nodejs_eventloop_lag_p99_seconds\{part="bridge"\} /m);
});
