/** Reading a workflow back as an operator sees it in the Temporal UI: visibility and history. */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { eventually } from './stack.js';

/** The one workflow a visibility query finds (visibility lags the workflow: polled). */
export async function findByQuery(
  client: Client,
  query: string,
  timeoutMs = 30_000,
): Promise<WorkflowExecutionInfo> {
  return eventually(
    async () => {
      const found: WorkflowExecutionInfo[] = [];
      for await (const execution of client.workflow.list({ query })) found.push(execution);
      if (found.length > 1) throw new Error(`${query} found ${found.length} workflows`);
      return found[0];
    },
    timeoutMs,
    `a workflow for ${query}`,
  );
}

/** The summary of every activity the workflow scheduled, in order. */
export async function activitySummaries(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.activityTaskScheduledEventAttributes)
    .map((event) => {
      const summary = event.userMetadata?.summary;
      return summary ? String(defaultPayloadConverter.fromPayload(summary)) : '';
    });
}
