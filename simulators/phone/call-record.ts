import { createSid } from './ids.js';
import type { CallDirection, CallEventRecord, SimulatedCall } from './types.js';

export interface NewCallArgs {
  accountSid: string;
  direction: CallDirection;
  from: string;
  to: string;
  statusCallbackUrl: string | null;
}

export function createCallRecord(args: NewCallArgs): SimulatedCall {
  return {
    sid: createSid('CA'),
    ...args,
    status: args.direction === 'inbound' ? 'ringing' : 'queued',
    answeredBy: null,
    machineDetections: [],
    createdAt: new Date(),
    answeredAt: null,
    endedAt: null,
    durationSec: null,
    endedBy: null,
    statusCallbacks: [],
    webhooks: [],
    twimlDocuments: [],
    ignoredVerbs: [],
    dials: [],
    streams: [],
    stream: null,
    events: [],
  };
}

export function msSinceCreated(call: SimulatedCall): number {
  return Date.now() - call.createdAt.getTime();
}

export function logCallEvent(
  call: SimulatedCall,
  type: string,
  detail?: CallEventRecord['detail'],
): void {
  call.events.push(
    detail ? { atMs: msSinceCreated(call), type, detail } : { atMs: msSinceCreated(call), type },
  );
}
