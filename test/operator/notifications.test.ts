import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DEMO_CALLEE, DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import {
  startNotificationReceiver,
  type NotificationReceiver,
} from '../support/notification-receiver.js';
import { expectApi } from '../support/operator-client.js';
import { eventually, startTestStack } from '../support/stack.js';

const SECRET = randomBytes(32).toString('base64url');
let stack: Stack;
let receiver: NotificationReceiver;

before(async () => {
  stack = await startTestStack();
  receiver = await startNotificationReceiver(SECRET);
  // Short back-off so three attempts take well under a second (the dev server, real time).
  await expectApi(stack, 'PUT', '/notifications/endpoint', 200, {
    url: receiver.url,
    secret: SECRET,
    horizon_sec: 60,
    initial_interval_ms: 200,
  });
});
after(async () => {
  await receiver.close();
  await stack.stop();
});

test('a due queue callback reaches the tenant signed, retried through an outage with one event id', async () => {
  receiver.failNext(2);
  const queue = await expectApi(stack, 'POST', '/queues', 201, {
    name: 'support',
    members: ['ana', 'ben'],
    capacity: 5,
  });
  const task = await expectApi(stack, 'POST', '/callbacks', 201, {
    phone_number: DEMO_CALLEE,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
    queue_id: queue.id,
    mode: 'notify_queue',
    reason: 'asked for a person',
    due_at: new Date().toISOString(),
  });
  assert.equal(task.status, 'scheduled');

  const opened = await eventually(
    async () => {
      const current = await expectApi(stack, 'GET', `/callbacks/${task.id}`, 200);
      return current.status === 'open' ? current : undefined;
    },
    30_000,
    'the task to open in its queue',
  );
  assert.equal(opened.queue_id, queue.id);

  await eventually(
    () => Promise.resolve(receiver.accepted.size === 1 ? true : undefined),
    30_000,
    'the event',
  );
  assert.equal(receiver.requests.length, 3, 'two refused attempts, then the accepted one');
  assert.ok(receiver.requests.every((request) => request.signatureValid));
  const ids = new Set(receiver.requests.map((request) => request.eventId));
  assert.equal(ids.size, 1, 'every attempt carries the same event id');
  assert.equal(new Set(receiver.requests.map((request) => request.rawBody)).size, 1);
  assert.deepEqual(
    receiver.requests.map((request) => request.answeredStatus),
    [503, 503, 200],
  );

  const [eventId] = ids;
  const envelope = receiver.accepted.get(eventId ?? '') as Record<string, any>;
  assert.equal(envelope.event, 'voice.callback.due');
  assert.equal(envelope.tenant_id, stack.tenant.tenantId);
  assert.equal(envelope.data.callback_task_id, task.id);
  assert.equal(envelope.data.queue_id, queue.id);

  const delivery = await expectApi(stack, 'GET', `/notifications/deliveries/${eventId}`, 200);
  assert.equal(delivery.status, 'delivered');
  assert.equal(delivery.attempts, 3);
  assert.deepEqual(
    delivery.history.map((attempt: { http_status: number }) => attempt.http_status),
    [503, 503, 200],
  );
});

test('one operator at a time claims a queue task, then completes it with a disposition', async () => {
  const queue = await expectApi(stack, 'POST', '/queues', 201, {
    name: 'claims',
    members: ['ana', 'ben'],
  });
  const task = await expectApi(stack, 'POST', '/callbacks', 201, {
    phone_number: DEMO_CALLEE,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
    queue_id: queue.id,
    mode: 'notify_queue',
    due_at: new Date().toISOString(),
  });
  await eventually(
    async () => {
      const current = await expectApi(stack, 'GET', `/callbacks/${task.id}`, 200);
      return current.status === 'open' ? true : undefined;
    },
    30_000,
    'the task to open',
  );

  const claimed = await expectApi(stack, 'POST', `/callbacks/${task.id}/claim`, 200, {
    operator: 'ana',
  });
  assert.equal(claimed.claimed_by, 'ana');
  const second = await expectApi(stack, 'POST', `/callbacks/${task.id}/claim`, 409, {
    operator: 'ben',
  });
  assert.equal(second.error.code, 'conflict');
  await expectApi(stack, 'POST', `/callbacks/${task.id}/claim`, 422, { operator: 'mallory' });

  const done = await expectApi(stack, 'POST', `/callbacks/${task.id}/complete`, 200, {
    disposition: 'resolved_by_phone',
  });
  assert.equal(done.status, 'completed');
  assert.equal(done.disposition, 'resolved_by_phone');
  const open = await expectApi(stack, 'GET', `/callbacks?status=open&queue_id=${queue.id}`, 200);
  assert.deepEqual(open.data, []);
  const completed = await expectApi(
    stack,
    'GET',
    `/callbacks?status=completed&queue_id=${queue.id}`,
    200,
  );
  assert.deepEqual(
    completed.data.map((row: { id: string }) => row.id),
    [task.id],
  );
});

test('a delivery that outlives its horizon is marked failed, announced, and retried by the API with the same id', async () => {
  await expectApi(stack, 'PUT', '/notifications/endpoint', 200, {
    url: receiver.url,
    secret: SECRET,
    horizon_sec: 10,
    initial_interval_ms: 500,
  });
  receiver.failAll();
  const before = receiver.requests.length;
  const task = await expectApi(stack, 'POST', '/callbacks', 201, {
    phone_number: DEMO_CALLEE,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
    mode: 'notify_queue',
    due_at: new Date().toISOString(),
  });

  const failed = await eventually(
    async () => {
      const list = await expectApi(
        stack,
        'GET',
        '/notifications/deliveries?event=voice.callback.due&status=failed',
        200,
      );
      return list.data[0];
    },
    45_000,
    'the delivery to give up',
  );
  assert.ok(failed.attempts >= 3, `tried ${failed.attempts} times`);
  const notice = await eventually(
    async () => {
      const list = await expectApi(
        stack,
        'GET',
        '/notifications/deliveries?event=voice.webhook.delivery_failed',
        200,
      );
      return list.data[0];
    },
    30_000,
    'the delivery_failed notice',
  );
  const noticeDetail = await expectApi(stack, 'GET', `/notifications/deliveries/${notice.id}`, 200);
  assert.equal(JSON.parse(noticeDetail.body).data.failed_event_id, failed.id);

  receiver.heal();
  const retried = await expectApi(
    stack,
    'POST',
    `/notifications/deliveries/${failed.id}/retry`,
    202,
  );
  assert.equal(retried.status, 'pending');
  await eventually(
    () => Promise.resolve(receiver.accepted.has(failed.id) ? true : undefined),
    30_000,
    'the redelivery',
  );
  const sent = receiver.requests.slice(before).filter((request) => request.eventId === failed.id);
  assert.ok(sent.length >= 4);
  assert.equal(new Set(sent.map((request) => request.rawBody)).size, 1, 'the same body every time');
  const envelope = receiver.accepted.get(failed.id) as Record<string, any>;
  assert.equal(envelope.data.callback_task_id, task.id);
  await expectApi(stack, 'POST', `/notifications/deliveries/${failed.id}/retry`, 422);
});
