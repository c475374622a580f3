/**
 * Reads what a schemathesis run wrote to its NDJSON report: how many cases it
 * sent, the status of every answer, and each distinct failure (operation,
 * check, first line of the message).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface RunReport {
  name: string;
  exitCode?: number;
  operations: number;
  /** The operations that were sent cases, as `METHOD /path`. */
  labels: string[];
  cases: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  serverErrors: number;
  failures: string[];
}

interface CheckResult {
  name: string;
  status: string;
  failure_info?: { failure?: { title?: string; message?: string } };
}

interface ScenarioRecord {
  label: string;
  cases?: Record<string, unknown>;
  checks?: Record<string, CheckResult[]>;
  interactions?: Record<string, { response?: { status_code: number } }>;
}

export function readRunReport(name: string, directory: string): RunReport {
  const report: RunReport = {
    name,
    operations: 0,
    labels: [],
    cases: 0,
    statuses: {},
    serverErrors: 0,
    failures: [],
  };
  const file = readdirSync(directory).find((entry) => entry.endsWith('.ndjson'));
  if (!file) {
    report.failures.push('schemathesis wrote no report');
    return report;
  }

  const operations = new Set<string>();
  const failures = new Set<string>();
  for (const line of readFileSync(join(directory, file), 'utf8').split('\n')) {
    if (line.startsWith('{"NonFatalError"') || line.startsWith('{"FatalError"')) {
      failures.add(describeError(line));
      continue;
    }
    if (!line.includes('"ScenarioFinished"')) continue;
    const event = JSON.parse(line) as { ScenarioFinished: { recorder?: ScenarioRecord } };
    const recorder = event.ScenarioFinished.recorder;
    if (!recorder?.cases) continue;
    operations.add(recorder.label);
    report.cases += Object.keys(recorder.cases).length;
    for (const interaction of Object.values(recorder.interactions ?? {})) {
      const status = interaction.response?.status_code;
      if (status === undefined) continue;
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      if (status >= 500) report.serverErrors += 1;
    }
    for (const results of Object.values(recorder.checks ?? {})) {
      for (const check of results) {
        if (check.status === 'success' || check.status === 'skip') continue;
        const message = check.failure_info?.failure?.message?.split('\n')[0] ?? check.status;
        failures.add(`${recorder.label}: ${check.name}: ${message}`);
      }
    }
  }
  report.operations = operations.size;
  report.labels = [...operations].sort();
  report.failures = [...failures].sort();
  return report;
}

/** A request that got no answer (a timeout, a dropped connection) is a failure too. */
function describeError(line: string): string {
  const event = JSON.parse(line) as Record<
    string,
    { label?: string; value?: { type?: string; message?: string } }
  >;
  const error = Object.values(event)[0];
  const message = error?.value?.message?.split('\n')[0] ?? 'no message';
  return `${error?.label ?? 'run'}: error: ${error?.value?.type ?? 'unknown'}: ${message}`;
}
