/** Workflow ids, derived from the call id so retries join the same workflow. */
export function callWorkflowId(callId: string): string {
  return `call-${callId}`;
}

/** An inbound call's id comes from Twilio's CallSid, so a retried webhook joins the same call. */
export function inboundCallId(callSid: string): string {
  return `call_${callSid}`;
}

/** One delivery workflow per event; a retry through the API gets a suffix of its own. */
export function notificationWorkflowId(deliveryId: string, retry?: number): string {
  return retry === undefined
    ? `notification-${deliveryId}`
    : `notification-${deliveryId}-retry-${retry}`;
}

/** One workflow per callback task. */
export function callbackWorkflowId(taskId: string): string {
  return `callback-${taskId}`;
}
