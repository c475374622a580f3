/**
 * One of the product's processes (api, media bridge, worker) run as a child
 * from its real entry point through tsx, configured only by its environment.
 * Keeps every JSON log line it prints, can be killed with any signal and
 * started again with the same environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { reapOnExit } from './reaper.js';

export interface LogLine {
  /** Which run of the process printed it: 1 for the first start, 2 after a restart... */
  run: number;
  atMs: number;
  record: Record<string, unknown>;
}

export interface ProductProcessOptions {
  name: string;
  /** The entry point, relative to the repository root (api/main.ts). */
  entry: string;
  environment: Record<string, string>;
  /** Resolves once the process serves; rejects if it cannot tell. */
  ready(process: ProductProcess): Promise<void>;
}

const EXIT_WAIT_MS = 15_000;

export class ProductProcess {
  readonly lines: LogLine[] = [];
  /** Lines that were not JSON (a crash's stack trace, a warning from Node). */
  readonly otherOutput: string[] = [];
  private child: ChildProcess | undefined;
  private runs = 0;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;

  constructor(private readonly options: ProductProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  get environment(): Record<string, string> {
    return this.options.environment;
  }

  /** The current run's process id; undefined before the first start. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && !this.child.signalCode;
  }

  /** The run number of the current (or last) run. */
  get run(): number {
    return this.runs;
  }

  async start(): Promise<void> {
    if (this.isRunning) throw new Error(`${this.name} is already running`);
    this.runs += 1;
    const run = this.runs;
    const child = spawn(process.execPath, ['--import', 'tsx', this.options.entry], {
      env: this.options.environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    reapOnExit(child.pid, child);
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const keep = (line: string) => {
      if (!line.trim()) return;
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        this.lines.push({ run, atMs: Date.now(), record });
      } catch {
        this.otherOutput.push(line);
      }
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', keep);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', keep);

    const exited = this.exit.then(({ code, signal }) => {
      throw new Error(
        `${this.name} exited (code ${code}, signal ${signal}) before it was ready:\n` +
          this.otherOutput.slice(-20).join('\n'),
      );
    });
    exited.catch(() => undefined);
    await Promise.race([this.options.ready(this), exited]);
  }

  /** Sends the signal and waits until the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.isRunning || !this.exit) return;
    child.kill(signal);
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), EXIT_WAIT_MS).unref(),
    );
    if ((await Promise.race([this.exit, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await this.exit;
    }
  }

  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }

  /** Kills at once, without waiting: for process exit handlers. */
  killNow(): void {
    if (this.isRunning) this.child?.kill('SIGKILL');
  }

  /** Log lines (of any run) whose `msg` is this, optionally matching more fields. */
  linesWith(message: string, fields: Record<string, unknown> = {}): LogLine[] {
    return this.lines.filter(
      (line) =>
        line.record.msg === message &&
        Object.entries(fields).every(([key, value]) => line.record[key] === value),
    );
  }

  /** Waits for a log line of the current run that matches. */
  async waitForLine(
    match: (record: Record<string, unknown>) => boolean,
    timeoutMs = 60_000,
  ): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((line) => line.run === this.runs && match(line.record));
      if (found) return found;
      if (!this.isRunning) throw new Error(`${this.name} is not running`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no such log line in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
