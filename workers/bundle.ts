/**
 * Bundles the workflows for the worker and refuses any bundle that pulls in a
 * module that has no place in deterministic workflow code (C14). The SDK
 * already refuses Node built-ins; this adds the product's own list.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Configuration, Compiler } from 'webpack';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Packages and folders a workflow may only import as types. */
const FORBIDDEN_RESOURCES: Array<{ pattern: RegExp; name: string }> = [
  { pattern: /[\\/]node_modules[\\/](pg|pg-pool|pg-protocol)[\\/]/, name: 'pg' },
  { pattern: /[\\/]node_modules[\\/]ws[\\/]/, name: 'ws' },
  { pattern: /[\\/]node_modules[\\/]twilio[\\/]/, name: 'twilio' },
  { pattern: /[\\/]node_modules[\\/]openai[\\/]/, name: 'openai' },
  {
    pattern: /[\\/]activities[\\/][^\\/]+\.ts$/,
    name: 'activities (import them with `import type`)',
  },
];

class ForbiddenImportCheck {
  apply(compiler: Compiler): void {
    compiler.hooks.afterCompile.tap('ForbiddenImportCheck', (compilation) => {
      for (const module of compilation.modules) {
        const resource = (module as { resource?: string }).resource;
        if (!resource) continue;
        const hit = FORBIDDEN_RESOURCES.find(({ pattern }) => pattern.test(resource));
        if (hit) {
          compilation.errors.push(
            new compiler.webpack.WebpackError(`workflow code imports ${hit.name}: ${resource}`),
          );
        }
      }
    });
  }
}

export function addForbiddenImportCheck(config: Configuration): Configuration {
  return { ...config, plugins: [...(config.plugins ?? []), new ForbiddenImportCheck()] };
}

export function bundleWorkflows(
  workflowsPath = WORKFLOWS_PATH,
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    webpackConfigHook: addForbiddenImportCheck,
    logger: quietLogger,
  });
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};
