/** Workflow ids, derived from the call id so retries join the same workflow. */
export function callWorkflowId(callId: string): string {
  return `call-${callId}`;
}

/** An inbound call's id comes from Twilio's CallSid, so a retried webhook joins the same call. */
export function inboundCallId(callSid: string): string {
  return `call_${callSid}`;
}
