/**
 * Every run of a workflow id, from its first run along the continue-as-new
 * chain, with each run's history: how tests and the history benchmark count
 * a call's runs and events.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface WorkflowRun {
  runId: string;
  events: HistoryEvent[];
}

export async function fetchRuns(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<WorkflowRun[]> {
  const runs: WorkflowRun[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    runs.push({ runId, events });
    runId =
      events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** Every run of the workflow id, found backwards from its current run. */
export async function fetchAllRuns(client: Client, workflowId: string): Promise<WorkflowRun[]> {
  const runs: WorkflowRun[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    runs.unshift({ runId, events });
    runId =
      events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

export function countEvents(runs: WorkflowRun[], pick: (event: HistoryEvent) => unknown): number {
  return runs.reduce((sum, run) => sum + run.events.filter((event) => pick(event)).length, 0);
}

/** Activities scheduled of one type, across the runs (local activities are markers, not these). */
export function scheduledActivities(runs: WorkflowRun[], activityType: string): number {
  return countEvents(
    runs,
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  );
}
