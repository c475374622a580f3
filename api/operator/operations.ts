/** Operator queues and callback tasks (`operator` scope): descriptions, schemas and handlers. */
import { z } from 'zod';
import * as callbacks from '../../db/callbacks.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { createCallbackService } from './callbacks-service.js';
import { tenantOperation, type TenantOperation } from './operation.js';
import { presentCallback, presentQueue } from './present.js';
import * as schemas from './schemas.js';

const UNIQUE_VIOLATION = '23505';

const errors = [400, 401, 403, 404, 429, 503] as const;
const changeErrors = [400, 401, 403, 404, 409, 422, 429, 503] as const;
const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

function taskOperation(
  operationId: string,
  action: string,
  summary: string,
  body: z.ZodObject,
  run: (
    service: ReturnType<typeof createCallbackService>,
    tenantId: string,
    id: string,
    body: never,
  ) => Promise<callbacks.CallbackTaskRow>,
) {
  return tenantOperation({
    operationId,
    method: 'post',
    path: `/callbacks/:id/${action}`,
    tag: 'Operator',
    scope: 'operator',
    summary,
    description: 'Needs the `operator` scope. 409 when the task is not in a state that allows it.',
    params: schemas.idParam,
    body,
    success: {
      status: 200,
      description: 'The task after the change.',
      schema: schemas.callbackView,
    },
    errors: [...changeErrors],
    handle: async ({ deps, tenantId, params, body: input }) =>
      presentCallback(
        await run(createCallbackService(deps), tenantId, params.id, input as never),
        deps,
      ),
  });
}

export const operatorOperations: TenantOperation[] = [
  tenantOperation({
    operationId: 'getCallbackPolicy',
    method: 'get',
    path: '/callbacks/policy',
    tag: 'Operator',
    scope: 'operator',
    summary: "How the tenant's callbacks are retried",
    description: 'Needs the `operator` scope.',
    success: { status: 200, description: 'The policy.', schema: schemas.callbackPolicyBody },
    errors: [...errors],
    handle: ({ deps, tenantId }) => callbacks.findCallbackPolicy(deps.db, tenantId),
  }),
  tenantOperation({
    operationId: 'setCallbackPolicy',
    method: 'put',
    path: '/callbacks/policy',
    tag: 'Operator',
    scope: 'operator',
    summary: "Set how the tenant's callbacks are retried",
    description:
      'Needs the `operator` scope. Attempts, spacing between them, and quiet hours in a time zone. ' +
      'Callbacks read it when their workflow starts.',
    body: schemas.callbackPolicyBody,
    success: { status: 200, description: 'The policy.', schema: schemas.callbackPolicyBody },
    errors: [...errors],
    handle: async ({ deps, tenantId, body }) => {
      await callbacks.updateCallbackPolicy(deps.db, tenantId, body);
      return body;
    },
  }),
  tenantOperation({
    operationId: 'createQueue',
    method: 'post',
    path: '/queues',
    tag: 'Operator',
    scope: 'operator',
    summary: 'Create an operator queue',
    description: 'Needs the `operator` scope. Business hours are local to the queue time zone.',
    body: schemas.createQueueBody,
    success: { status: 201, description: 'The queue.', schema: schemas.queueView },
    errors: [400, 401, 403, 409, 429, 503],
    handle: async ({ deps, tenantId, body }) => {
      const queue = await callbacks
        .insertQueue(deps.db, {
          id: newId('queue'),
          tenant_id: tenantId,
          name: body.name,
          operator_number: body.operator_number ?? null,
          time_zone: body.time_zone,
          business_hours: body.business_hours,
          members: body.members,
          capacity: body.capacity,
        })
        .catch((error: unknown) => {
          // Queue names are unique per tenant (operator_queues_tenant_id_name_key).
          if ((error as { code?: string }).code === UNIQUE_VIOLATION)
            throw new ConflictError(`the tenant already has a queue named ${body.name}`);
          throw error;
        });
      return presentQueue(queue, 0);
    },
  }),
  tenantOperation({
    operationId: 'listQueues',
    method: 'get',
    path: '/queues',
    tag: 'Operator',
    scope: 'operator',
    summary: "The tenant's operator queues",
    description: 'Needs the `operator` scope.',
    success: { status: 200, description: 'The queues.', schema: listOf(schemas.queueView) },
    errors: [...errors],
    handle: async ({ deps: { db }, tenantId }) => {
      const queues = await callbacks.listQueues(db, tenantId);
      const counts = await Promise.all(
        queues.map((queue) => callbacks.countActiveTasks(db, tenantId, queue.id)),
      );
      return { data: queues.map((queue, index) => presentQueue(queue, counts[index] ?? 0)) };
    },
  }),
  tenantOperation({
    operationId: 'getQueue',
    method: 'get',
    path: '/queues/:id',
    tag: 'Operator',
    scope: 'operator',
    summary: 'An operator queue, whether it is open, and its load',
    description: 'Needs the `operator` scope.',
    params: schemas.idParam,
    success: { status: 200, description: 'The queue.', schema: schemas.queueView },
    errors: [...errors],
    handle: async ({ deps: { db }, tenantId, params }) => {
      const queue = await callbacks.findQueue(db, tenantId, params.id);
      if (!queue) throw new NotFoundError('queue');
      return presentQueue(queue, await callbacks.countActiveTasks(db, tenantId, queue.id));
    },
  }),
  tenantOperation({
    operationId: 'createCallback',
    method: 'post',
    path: '/callbacks',
    tag: 'Operator',
    scope: 'operator',
    summary: 'Schedule a callback',
    description:
      'Needs the `operator` scope. Starts the task workflow: when due it places the call through the ' +
      "tenant's call limits (mode `call`) or opens the task in its queue (mode `notify_queue`).",
    body: schemas.createCallbackBody,
    success: { status: 201, description: 'The task.', schema: schemas.callbackView },
    errors: [...changeErrors],
    handle: async ({ deps, tenantId, body }) =>
      presentCallback(await createCallbackService(deps).create(tenantId, body), deps),
  }),
  tenantOperation({
    operationId: 'listCallbacks',
    method: 'get',
    path: '/callbacks',
    tag: 'Operator',
    scope: 'operator',
    summary: 'Callback tasks, newest first',
    description:
      'Needs the `operator` scope. Filter by status, queue or the call a task came from.',
    query: schemas.listCallbacksQuery,
    success: { status: 200, description: 'The tasks.', schema: listOf(schemas.callbackView) },
    errors: [...errors],
    handle: async ({ deps, tenantId, query }) => {
      const tasks = await callbacks.listCallbackTasks(deps.db, tenantId, {
        status: query.status,
        queueId: query.queue_id,
        callId: query.call_id,
        limit: query.limit,
      });
      return { data: tasks.map((task) => presentCallback(task, deps)) };
    },
  }),
  tenantOperation({
    operationId: 'getCallback',
    method: 'get',
    path: '/callbacks/:id',
    tag: 'Operator',
    scope: 'operator',
    summary: 'A callback task with its attempts and links to its call',
    description: 'Needs the `operator` scope.',
    params: schemas.idParam,
    success: { status: 200, description: 'The task.', schema: schemas.callbackDetail },
    errors: [...errors],
    handle: async ({ deps, tenantId, params }) => {
      const task = await createCallbackService(deps).load(tenantId, params.id);
      const history = await callbacks.listCallbackAttempts(deps.db, tenantId, task.id);
      return {
        ...presentCallback(task, deps),
        history: history.map((row) => ({ ...row, at: row.at.toISOString() })),
      };
    },
  }),
  taskOperation(
    'claimCallback',
    'claim',
    'Claim an open task (one operator at a time)',
    schemas.claimBody,
    (service, tenantId, id, body: z.output<typeof schemas.claimBody>) =>
      service.claim(tenantId, id, body.operator),
  ),
  taskOperation(
    'completeCallback',
    'complete',
    'Complete a task with a disposition',
    schemas.completeBody,
    (service, tenantId, id, body: z.output<typeof schemas.completeBody>) =>
      service.complete(tenantId, id, body.disposition),
  ),
  taskOperation(
    'cancelCallback',
    'cancel',
    'Cancel a task; its workflow stops',
    schemas.cancelBody,
    (service, tenantId, id, body: z.output<typeof schemas.cancelBody>) =>
      service.cancel(tenantId, id, body.reason),
  ),
  taskOperation(
    'retryCallback',
    'retry',
    'Try a waiting task now, or a failed one once more',
    z.object({}).strict(),
    (service, tenantId, id) => service.retry(tenantId, id),
  ),
];
