/** The workflows the worker hosts. */
export { callWorkflow } from './call.js';
export { callbackWorkflow } from './callback.js';
export { notificationWorkflow } from './notification.js';
