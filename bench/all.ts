/**
 * `npm run bench`: the media bridge's data plane (bench/run.ts), then the
 * control plane (bench/control-plane.ts), each in a process of its own and
 * given every argument (each reads its own; `--seconds` both). `--scenario=data-plane` or
 * `--scenario=control-plane` runs one.
 */
import { spawn } from 'node:child_process';

const SCENARIOS = { 'data-plane': 'bench/run.ts', 'control-plane': 'bench/control-plane.ts' };
type Scenario = keyof typeof SCENARIOS;

const args = process.argv.slice(2);
const chosen = args.find((arg) => arg.startsWith('--scenario='))?.slice('--scenario='.length);
if (chosen !== undefined && !(chosen in SCENARIOS)) {
  process.stderr.write(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const scenarios = chosen ? [chosen as Scenario] : (Object.keys(SCENARIOS) as Scenario[]);
const forwarded = args.filter((arg) => !arg.startsWith('--scenario='));

for (const scenario of scenarios) {
  const child = spawn(process.execPath, ['--import', 'tsx', SCENARIOS[scenario], ...forwarded], {
    stdio: 'inherit',
  });
  const code = await new Promise<number>((done) =>
    child.once('exit', (exitCode) => done(exitCode ?? 1)),
  );
  if (code !== 0) process.exit(code);
}
