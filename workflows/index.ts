/** The workflows the worker hosts. */
export { callWorkflow } from './call.js';
