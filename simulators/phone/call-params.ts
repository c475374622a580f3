import type { SimulatedCall } from './types.js';

export const API_VERSION = '2010-04-01';

/** The parameters Twilio sends on every request about a call. */
export function buildCallParams(call: SimulatedCall, callStatus: string = call.status) {
  const params: Record<string, string> = {
    AccountSid: call.accountSid,
    ApiVersion: API_VERSION,
    CallSid: call.sid,
    CallStatus: callStatus,
    Direction: call.direction,
    From: call.from,
    To: call.to,
    Called: call.to,
    Caller: call.from,
  };
  if (call.answeredBy !== null) params.AnsweredBy = call.answeredBy;
  return params;
}
