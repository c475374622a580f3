/**
 * Fails when a workflow registers a message handler after its first await
 * (C12): an update that arrives before its handler exists is rejected, and a
 * signal may land on state that is not set up yet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface HandlerOrderProblem {
  file: string;
  workflow: string;
  line: number;
}

/** The body of each exported `...Workflow` function, by brace matching. */
function workflowBodies(source: string): Array<{ name: string; start: number; body: string }> {
  const bodies: Array<{ name: string; start: number; body: string }> = [];
  const pattern = /export\s+async\s+function\s+(\w+Workflow)\s*\(/g;
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) {
    const open = source.indexOf('{', source.indexOf(')', match.index));
    let depth = 0;
    let end = open;
    for (let i = open; i < source.length; i += 1) {
      if (source[i] === '{') depth += 1;
      if (source[i] === '}') depth -= 1;
      if (depth === 0) {
        end = i;
        break;
      }
    }
    bodies.push({ name: match[1] ?? 'workflow', start: open, body: source.slice(open, end) });
  }
  return bodies;
}

/** Top-level statements only: awaits inside nested functions (handlers, helpers) do not count. */
function topLevelText(body: string): string {
  let depth = 0;
  let text = '';
  for (const char of body) {
    if (char === '{') depth += 1;
    if (depth <= 1) text += char;
    else text += char === '\n' ? '\n' : ' ';
    if (char === '}') depth -= 1;
  }
  return text;
}

export function findLateHandlers(file: string, source: string): HandlerOrderProblem[] {
  const problems: HandlerOrderProblem[] = [];
  for (const { name, start, body } of workflowBodies(source)) {
    const text = topLevelText(body);
    const firstAwait = text.search(/\bawait\b/);
    if (firstAwait < 0) continue;
    const late = /\bsetHandler\s*\(/g;
    late.lastIndex = firstAwait;
    for (let match = late.exec(text); match; match = late.exec(text)) {
      const line = source.slice(0, start + match.index).split('\n').length;
      problems.push({ file, workflow: name, line });
    }
  }
  return problems;
}

function main(): void {
  const directory = fileURLToPath(new URL('../workflows', import.meta.url));
  const problems = readdirSync(directory)
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => findLateHandlers(file, readFileSync(join(directory, file), 'utf8')));
  for (const problem of problems) {
    process.stderr.write(
      `workflows/${problem.file}:${problem.line}: ${problem.workflow} registers a handler after an await\n`,
    );
  }
  if (problems.length > 0) process.exit(1);
  process.stdout.write('workflow handlers: all registered before the first await\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
