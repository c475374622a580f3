/**
 * Replay fixtures: the histories of workflows the tests ran, kept so that a
 * change to workflow code that breaks determinism fails CI (C14). With
 * TEST_RECORD_HISTORIES set to a folder, every test stack saves, as it stops,
 * one closed history per workflow type and close status it ran (and for calls,
 * per direction, call status and handoff) (`npm run histories:record`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { History } = proto.temporal.api.history.v1;

/**
 * protobufjs's own object form (enums and 64-bit numbers as strings, bytes as
 * base64). Not historyToJSON: @temporalio/common carries a protobufjs copy of
 * its own, whose type checks refuse the client's messages.
 */
const OBJECT_FORM = { longs: String, enums: String, bytes: String } as const;

export function historyToObject(history: proto.temporal.api.history.v1.IHistory): unknown {
  return History.toObject(History.fromObject(history), OBJECT_FORM);
}

export function historyFromObject(value: unknown): proto.temporal.api.history.v1.History {
  return History.fromObject(value as Record<string, unknown>);
}

/** How each fixture file is laid out. */
export interface HistoryFixture {
  workflowId: string;
  workflowType: string;
  closeStatus: string;
  recordedBy: string;
  history: unknown;
}

const SAVED_STATUSES = new Set(['COMPLETED', 'FAILED', 'CONTINUED_AS_NEW']);

export function recordingDirectory(): string | undefined {
  return process.env.TEST_RECORD_HISTORIES || undefined;
}

/** Saves one history per workflow type and close status that ran on the task queue. */
export async function saveClosedHistories(
  client: Client,
  taskQueue: string,
  directory: string,
): Promise<number> {
  mkdirSync(directory, { recursive: true });
  const testFile = basename(process.argv[1] ?? 'unknown', '.test.ts');
  const seen = new Set<string>();
  let saved = 0;
  for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    const closeStatus = execution.status.name;
    if (!SAVED_STATUSES.has(closeStatus)) continue;
    // Calls of another status, direction or with a handoff take other paths: keep one of each.
    const attributes = execution.searchAttributes as Record<string, unknown[] | undefined>;
    const variant = ['CallDirection', 'CallStatus', 'Escalated']
      .map((name) => attributes[name]?.[0])
      .filter((value) => value !== undefined && value !== false)
      .map((value) => (value === true ? 'escalated' : String(value)));
    const kind = [execution.type, closeStatus.toLowerCase(), ...variant].join('--');
    if (seen.has(kind)) continue;
    seen.add(kind);

    const history = await client.workflow
      .getHandle(execution.workflowId, execution.runId)
      .fetchHistory();
    const fixture: HistoryFixture = {
      workflowId: execution.workflowId,
      workflowType: execution.type,
      closeStatus,
      recordedBy: testFile,
      history: historyToObject(history),
    };
    writeFileSync(join(directory, `${testFile}--${kind}.json`), `${JSON.stringify(fixture)}\n`);
    saved += 1;
  }
  return saved;
}
