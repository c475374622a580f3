/** The Temporal worker that hosts call workflows and their activities. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities/index.js';
import { bundleWorkflows } from './bundle.js';

export interface CallWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** A prebuilt bundle (scripts/build-workflows.ts); bundled now when absent. */
  workflowBundlePath?: string;
}

export async function createCallWorker(options: CallWorkerOptions): Promise<Worker> {
  const workflowBundle = options.workflowBundlePath
    ? { codePath: options.workflowBundlePath }
    : await bundleWorkflows();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle,
    activities: createActivities(options.dependencies),
    shutdownGraceTime: '10 seconds',
    // A task for a workflow cached by a worker that died waits this long on that worker's
    // sticky queue before any worker may take it (and replay the history): Temporal's 10 s
    // default is a long silence on a live call.
    stickyQueueScheduleToStartTimeout: '3 seconds',
  });
}
