/**
 * No orphans: a tiny detached process that holds a pipe from the test process
 * and, when the pipe closes (the test process exited, however it died), kills
 * every process still registered with it. Exit handlers alone miss SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

// Plain JavaScript for `node -e`: no loader, so it starts in milliseconds.
const REAPER_SOURCE = `
const fs = require('node:fs');
const pids = new Set();
const postgresDirectories = new Set();
let pending = '';
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let end = pending.indexOf('\\n'); end >= 0; end = pending.indexOf('\\n')) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    const value = line.slice(1);
    if (line[0] === '+') pids.add(Number(value));
    if (line[0] === '-') pids.delete(Number(value));
    if (line[0] === 'p') postgresDirectories.add(value);
    if (line[0] === 'q') postgresDirectories.delete(value);
  }
});
process.stdin.on('end', () => {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  for (const directory of postgresDirectories) {
    try {
      const pid = Number(fs.readFileSync(directory + '/postmaster.pid', 'utf8').split('\\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {}
  }
  process.exit(0);
});
`;

let reaper: ChildProcess | undefined;

function send(line: string): void {
  if (!reaper) {
    reaper = spawn(process.execPath, ['-e', REAPER_SOURCE], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    reaper.unref();
    (reaper.stdin as unknown as Socket).unref();
  }
  reaper.stdin?.write(`${line}\n`);
}

/** Kill this process if the test process exits first; forgotten once it exits itself. */
export function reapOnExit(pid: number | undefined, child?: ChildProcess): void {
  if (!pid) return;
  send(`+${pid}`);
  // A process id is reused after exit: never kill a stranger.
  child?.once('exit', () => send(`-${pid}`));
}

/** Stop this PostgreSQL data directory's server (its postmaster.pid) if the test process exits. */
export function reapPostgresOnExit(directory: string): void {
  send(`p${directory}`);
}

export function forgetPostgres(directory: string): void {
  send(`q${directory}`);
}
