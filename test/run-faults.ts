/**
 * `npm run test:faults`: the fault tests under test/faults, one file at a
 * time. Each file starts its own PostgreSQL, Temporal dev server and product
 * processes (test/support/process-stack.ts), because it kills them.
 */
import { resolve } from 'node:path';
import { runTestsAndExit } from './support/test-runner.js';

await runTestsAndExit({
  directory: resolve('test/faults'),
  filter: process.argv.slice(2),
  concurrency: 1,
  sharedServers: false,
});
