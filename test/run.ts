/**
 * `npm test`: every test file under test/ except the fault tests (they kill
 * processes and run alone: `npm run test:faults`), three files at a time, on
 * a shared PostgreSQL and Temporal dev server.
 */
import { resolve } from 'node:path';
import { runTestsAndExit } from './support/test-runner.js';

await runTestsAndExit({
  directory: resolve('test'),
  excludeFolders: ['faults'],
  filter: process.argv.slice(2),
  concurrency: 3,
  sharedServers: true,
});
