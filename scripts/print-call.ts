/** Prints a call record from GET /api/v1/call-logs/{id} for people to read. */

interface Turn {
  role: string;
  text: string;
  interrupted: boolean;
}

interface FunctionCall {
  name: string;
  arguments: unknown;
  status: string;
  output: unknown;
}

interface Evaluation {
  passed: boolean;
  overall_score: number;
  checks: Array<{ id: string; passed: boolean; detail: string }>;
  judgment: {
    criteria: Array<{ id: string; score: number; passed: boolean; reason: string }>;
    summary: string;
  };
}

export function printCallRecord(
  record: Record<string, unknown>,
  say: (line: string) => void,
): void {
  const turns = (record.transcript as Turn[]) ?? [];
  const functionCalls = (record.function_calls as FunctionCall[]) ?? [];
  const evaluation = record.evaluation as Evaluation | null;

  say('');
  say(`call        ${String(record.id)} (${String(record.direction)})`);
  say(
    `status      ${String(record.status)}, duration ${typeof record.duration_sec === 'number' ? record.duration_sec : '?'} s, ended by ${String(record.end_reason)}`,
  );
  say(`agent       ${String(record.agent_version_id)} (${String(record.version_reason)})`);
  say(`workflow    ${String(record.workflow_id)}`);
  say(`temporal ui ${String(record.temporal_ui_url)}`);
  say('');
  say('transcript');
  for (const turn of turns) {
    say(
      `  ${turn.role === 'agent' ? 'agent ' : 'caller'} ${turn.text}${turn.interrupted ? '  [interrupted]' : ''}`,
    );
  }
  say('');
  say('function calls');
  for (const call of functionCalls) {
    say(
      `  ${call.name}(${JSON.stringify(call.arguments)}) -> ${call.status} ${JSON.stringify(call.output)}`,
    );
  }
  say('');
  if (!evaluation) {
    say('evaluation  none');
    return;
  }
  say(
    `evaluation  ${evaluation.passed ? 'passed' : 'failed'}, overall score ${evaluation.overall_score.toFixed(2)}`,
  );
  for (const check of evaluation.checks)
    say(`  check ${check.id}: ${check.passed ? 'pass' : 'FAIL'} (${check.detail})`);
  for (const criterion of evaluation.judgment.criteria) {
    say(
      `  judge ${criterion.id}: ${criterion.score.toFixed(2)} ${criterion.passed ? 'pass' : 'FAIL'} (${criterion.reason})`,
    );
  }
}
