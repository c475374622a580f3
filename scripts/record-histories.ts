/**
 * `npm run histories:record -- <release>`: runs the end-to-end, conversation
 * and operator tests, then the bridge failover fault test, with history recording on, keeping their workflows'
 * histories in test/fixtures/histories/<release>/ as replay fixtures. Record
 * once per release whose workflow code changed; earlier releases' fixtures stay.
 */
import { spawnSync } from 'node:child_process';

const release = process.argv[2];
if (!release || !/^[a-z0-9][a-z0-9.-]*$/i.test(release)) {
  process.stderr.write('usage: npm run histories:record -- <release, e.g. 0.2.0>\n');
  process.exit(64);
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', 'test/run.ts', 'test/e2e/', 'test/conversation/', 'test/operator/'],
  {
    stdio: 'inherit',
    env: { ...process.env, TEST_RECORD_HISTORIES: `test/fixtures/histories/${release}` },
  },
);
if (result.status !== 0) process.exit(result.status ?? 1);

// A call that lost its bridge and went on with a new stream: a kind of history of its own.
const failover = spawnSync(
  process.execPath,
  ['--import', 'tsx', 'test/run-faults.ts', 'test/faults/bridge-failover'],
  {
    stdio: 'inherit',
    env: { ...process.env, TEST_RECORD_HISTORIES: `test/fixtures/histories/${release}` },
  },
);
process.exit(failover.status ?? 1);
