/**
 * What the fault tests share: placing a real call through the api, finding
 * which worker Temporal gave a task to, and waiting for things to happen.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { DEMO_NUMBER } from '../../scripts/stack.js';
import { assertCompleteConversation, type ConversationExpectations } from '../e2e/call-record.js';
import type { ToolRequestRecord } from '../../simulators/tenant-backend.js';
import { callWorkflowId } from '../../workflows/ids.js';
import type { ProcessStack } from './process-stack.js';
import type { ProductProcess } from './product-process.js';
import { eventually, getJson, postJson } from './stack.js';

/**
 * How long the Temporal server stays down under a call in flight (TEST_TEMPORAL_OUTAGE_MS).
 * 10 s by default, so the suite stays quick; the bridge holds its turns and retries them for
 * far longer (media/delivery-policy.ts), which a longer setting exercises.
 */
export const TEMPORAL_OUTAGE_MS = Number(process.env.TEST_TEMPORAL_OUTAGE_MS ?? 10_000);

/** A deferred the test settles itself: the simulators hold answers until it does. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** POST /api/v1/make-call as the demo tenant; answers the call id. */
export async function placeOutboundCall(stack: ProcessStack, to: string): Promise<string> {
  const accepted = await postJson(stack, '/api/v1/make-call', {
    to,
    from: DEMO_NUMBER,
    agent_key: stack.tenant.agentKey,
  });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  return accepted.body.call_id as string;
}

/** Waits for the nth tool request (1-based) the tenant backend receives. */
export function nthToolRequest(
  stack: ProcessStack,
  n: number,
  timeoutMs = 90_000,
): Promise<ToolRequestRecord> {
  return eventually(
    async () => stack.tenantBackend.requests[n - 1],
    timeoutMs,
    `tool request ${n}`,
  );
}

/** The worker Temporal gave the call's running activity of this type to. */
export async function workerRunningActivity(
  stack: ProcessStack,
  callId: string,
  activityType: string,
): Promise<ProductProcess> {
  const client = await stack.temporal.client();
  return eventually(
    async () => {
      const described = await client.workflowService.describeWorkflowExecution({
        namespace: stack.config.temporal.namespace,
        execution: { workflowId: callWorkflowId(callId) },
      });
      const pending = described.pendingActivities?.find(
        (activity) => activity.activityType?.name === activityType,
      );
      return stack.workerByIdentity(pending?.lastWorkerIdentity);
    },
    30_000,
    `the worker running ${activityType}`,
  );
}

export interface HistoryEventView {
  eventId: number;
  /** On activity task started and completed events: the eventId of its scheduled event. */
  scheduledEventId?: number;
  /**
   * The attempt that completed the activity: on activity task started events, and on the
   * marker a local activity records (its data says how many attempts it took).
   */
  attempt?: number;
  /** The event's attributes field name without its suffix: workflowTaskCompleted, activityTaskStarted... */
  kind: string;
  atMs: number;
  /** The worker identity on task started and completed events. */
  identity?: string;
  /** The activity type, on activityTaskScheduled events. */
  activityType?: string;
}

/** The call workflow's history, flattened to what the fault tests look at. */
export async function callHistory(
  stack: ProcessStack,
  callId: string,
): Promise<HistoryEventView[]> {
  const client = await stack.temporal.client();
  const history = await client.workflow.getHandle(callWorkflowId(callId)).fetchHistory();
  return (history.events ?? []).map((event) => {
    const attributes = Object.keys(event).find(
      (key) => key.endsWith('EventAttributes') && (event as Record<string, unknown>)[key],
    );
    const seconds = Number(event.eventTime?.seconds ?? 0);
    const nanos = event.eventTime?.nanos ?? 0;
    const started = event.activityTaskStartedEventAttributes;
    const localActivity = localActivityMarker(event.markerRecordedEventAttributes);
    return {
      eventId: Number(event.eventId ?? 0),
      scheduledEventId: started?.scheduledEventId ? Number(started.scheduledEventId) : undefined,
      attempt: started?.attempt ?? localActivity?.attempt ?? undefined,
      kind: (attributes ?? 'unknown').replace(/EventAttributes$/, ''),
      atMs: seconds * 1_000 + Math.floor(nanos / 1e6),
      identity:
        event.workflowTaskStartedEventAttributes?.identity ??
        event.workflowTaskCompletedEventAttributes?.identity ??
        event.activityTaskStartedEventAttributes?.identity ??
        undefined,
      activityType:
        event.activityTaskScheduledEventAttributes?.activityType?.name ??
        localActivity?.activity_type ??
        undefined,
    };
  });
}

/** The SDK's local activity marker: its `data` detail is JSON with the attempt and type. */
function localActivityMarker(
  marker:
    | { markerName?: string | null; details?: Record<string, { payloads?: any[] | null }> | null }
    | null
    | undefined,
): { attempt?: number; activity_type?: string } | undefined {
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The started event (the attempt that completed) of the first activity of this type. */
export function activityCompletion(
  history: HistoryEventView[],
  activityType: string,
): HistoryEventView | undefined {
  const scheduled = history.find(
    (event) => event.kind === 'activityTaskScheduled' && event.activityType === activityType,
  );
  return history.find(
    (event) =>
      event.kind === 'activityTaskStarted' && event.scheduledEventId === scheduled?.eventId,
  );
}

/** The worker that ran the call workflow's latest task: the one holding it in its cache. */
export async function workerHoldingWorkflow(
  stack: ProcessStack,
  callId: string,
): Promise<ProductProcess> {
  const completed = (await callHistory(stack, callId)).filter(
    (event) => event.kind === 'workflowTaskCompleted',
  );
  const worker = stack.workerByIdentity(completed.at(-1)?.identity);
  assert.ok(worker, 'a worker of this stack ran the workflow');
  return worker;
}

/** GET /api/v1/call-logs/{id} once the call has ended and its evaluation is stored. */
export function waitForEvaluatedCall(
  stack: ProcessStack,
  callId: string,
  timeoutMs = 180_000,
): Promise<any> {
  return eventually(
    async () => {
      const { status, body } = await getJson(stack, `/api/v1/call-logs/${callId}`).catch(() => ({
        status: 0,
        body: undefined,
      }));
      return status === 200 && body.evaluation ? body : undefined;
    },
    timeoutMs,
    `the evaluation of ${callId}`,
  );
}

/** Seconds with one decimal, for the figures the tests print. */
export function seconds(ms: number): string {
  return (ms / 1_000).toFixed(1);
}

/** Every child's warnings and errors, one line each: what a failing fault test prints. */
export function problemLines(stack: ProcessStack): string[] {
  return stack.processes().flatMap((child) =>
    child.lines
      .filter((line) => Number(line.record.level) >= 40)
      .map((line) => {
        const { level: _level, time: _time, pid: _pid, hostname: _host, ...rest } = line.record;
        return `${child.name}#${line.run} ${JSON.stringify(rest)}`;
      }),
  );
}

/**
 * The evaluated record of a call that came through a fault whole: every sentence in order, the
 * tool once, the goodbye last, one `ended` entry. When it is not, the test prints what it saw.
 */
export async function wholeRecordAfterFault(
  stack: ProcessStack,
  t: TestContext,
  callId: string,
  expected: ConversationExpectations,
): Promise<any> {
  const record = await waitForEvaluatedCall(stack, callId);
  try {
    assertCompleteConversation(stack, record, expected);
  } catch (error) {
    t.diagnostic(JSON.stringify({ transcript: record.transcript, calls: record.function_calls }));
    for (const line of problemLines(stack)) t.diagnostic(line);
    throw error;
  }
  assert.equal(record.events.filter((event: any) => event.type === 'ended').length, 1);
  return record;
}
