/**
 * The worker process goes away while a callback waits on its timer and while
 * a notification is between retries; a new worker on the same task queue
 * finishes both, once each. Real time on the dev server, with short times.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { createOpenAIClient, createTwilioClient } from '../../lib/clients.js';
import { secretBoxFromConfig } from '../../lib/secret-box.js';
import { connectWorker } from '../../lib/temporal.js';
import { DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import { createCallWorker } from '../../workers/worker.js';
import {
  startNotificationReceiver,
  type NotificationReceiver,
} from '../support/notification-receiver.js';
import { expectApi } from '../support/operator-client.js';
import { eventually, startTestStack } from '../support/stack.js';

const SECRET = randomBytes(32).toString('base64url');
const CALLEE = '+15005550781';
let stack: Stack;
let receiver: NotificationReceiver;
let replacement: { worker: Worker; running: Promise<void> } | undefined;

before(async () => {
  stack = await startTestStack({ parties: { [CALLEE]: { answer: 'answer', maxCallMs: 3_000 } } });
  receiver = await startNotificationReceiver(SECRET);
  await expectApi(stack, 'PUT', '/notifications/endpoint', 200, {
    url: receiver.url,
    secret: SECRET,
    horizon_sec: 300,
    initial_interval_ms: 1_000,
  });
});
after(async () => {
  if (replacement) {
    replacement.worker.shutdown();
    await replacement.running;
  }
  await receiver.close();
  await stack.stop();
});

async function startReplacementWorker(): Promise<void> {
  const { config } = stack;
  const worker = await createCallWorker({
    connection: await connectWorker(config),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundlePath: config.temporal.workflowBundlePath,
    dependencies: {
      db: stack.db,
      twilio: createTwilioClient(config),
      openai: createOpenAIClient(config),
      secrets: secretBoxFromConfig(config),
      publicUrl: config.api.publicUrl,
      streamUrl: config.media.streamUrl,
      streamTokenSecret: config.media.streamTokenSecret,
      evaluationModel: config.openai.evaluationModel,
      allowInsecureToolUrls: true,
    },
  });
  replacement = { worker, running: worker.run() };
}

test('a callback on its timer and a notification between retries each complete once after a worker restart', async () => {
  // A notification that the tenant keeps refusing, so it is being retried.
  receiver.failAll();
  const queued = await expectApi(stack, 'POST', '/callbacks', 201, {
    phone_number: '+15005550782',
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
    mode: 'notify_queue',
    due_at: new Date().toISOString(),
  });
  const retrying = await eventually(
    async () => {
      const list = await expectApi(
        stack,
        'GET',
        '/notifications/deliveries?event=voice.callback.due',
        200,
      );
      const delivery = list.data.find((row: { attempts: number }) => row.attempts >= 2);
      return delivery;
    },
    30_000,
    'a delivery being retried',
  );

  // A callback whose timer runs out while no worker is there.
  const dueAt = new Date(Date.now() + 4_000);
  const waiting = await expectApi(stack, 'POST', '/callbacks', 201, {
    phone_number: CALLEE,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
    due_at: dueAt.toISOString(),
  });

  stack.worker.shutdown();
  await eventually(
    () => Promise.resolve(stack.worker.getState() === 'STOPPED' ? true : undefined),
    30_000,
    'the worker to stop',
  );
  const attemptsWhileUp = (
    await expectApi(stack, 'GET', `/notifications/deliveries/${retrying.id}`, 200)
  ).attempts;
  await eventually(
    () => Promise.resolve(Date.now() > dueAt.getTime() + 2_000 ? true : undefined),
    30_000,
    'the due time to pass',
  );
  assert.equal(
    [...stack.phone.calls.values()].filter((call) => call.to === CALLEE).length,
    0,
    'nothing rings without a worker',
  );
  assert.equal(
    (await expectApi(stack, 'GET', `/notifications/deliveries/${retrying.id}`, 200)).attempts,
    attemptsWhileUp,
  );

  receiver.heal();
  await startReplacementWorker();

  const completed = await eventually(
    async () => {
      const task = await expectApi(stack, 'GET', `/callbacks/${waiting.id}`, 200);
      return task.status === 'completed' ? task : undefined;
    },
    120_000,
    'the callback to complete',
  );
  assert.equal(completed.attempts, 1);
  assert.equal(
    [...stack.phone.calls.values()].filter((call) => call.to === CALLEE).length,
    1,
    'the callback rang once',
  );

  await eventually(
    () => Promise.resolve(receiver.accepted.has(retrying.id) ? true : undefined),
    60_000,
    'the delivery',
  );
  const forEvent = receiver.requests.filter((request) => request.eventId === retrying.id);
  assert.equal(
    forEvent.filter((request) => request.answeredStatus === 200).length,
    1,
    'delivered once',
  );
  assert.equal(
    new Set(forEvent.map((request) => request.rawBody)).size,
    1,
    'the same event on every attempt',
  );
  const envelope = receiver.accepted.get(retrying.id) as Record<string, any>;
  assert.equal(envelope.data.callback_task_id, queued.id);
  const delivery = await expectApi(stack, 'GET', `/notifications/deliveries/${retrying.id}`, 200);
  assert.equal(delivery.status, 'delivered');
});
