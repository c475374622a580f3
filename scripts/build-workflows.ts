/**
 * Bundles the workflows for production workers (WORKFLOW_BUNDLE_PATH). Fails
 * when workflow code would pull in a module that has no place there (C14).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { bundleWorkflows } from '../workers/bundle.js';

const OUTPUT = 'dist/workflow-bundle.js';

const bundle = await bundleWorkflows();
mkdirSync('dist', { recursive: true });
writeFileSync(OUTPUT, bundle.code);
process.stdout.write(
  `workflow bundle written to ${OUTPUT} (${(bundle.code.length / 1_024).toFixed(0)} KiB)\n`,
);
