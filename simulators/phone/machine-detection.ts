/**
 * Asynchronous answering machine detection (AsyncAmd=true): the call's TwiML
 * runs at once, and the result is posted to AsyncAmdStatusCallback when
 * detection finishes. With DetectMessageEnd a machine is reported after its
 * greeting ends (the beep), so a message left then is recorded whole.
 */
import { MULAW_SILENCE } from '../audio.js';
import { logCallEvent, msSinceCreated } from './call-record.js';
import { sendSignedRequest } from './signed-request.js';
import { sleepUnlessAborted } from './time.js';
import type { AnsweredBy, PartyBehaviour, SimulatedCall } from './types.js';

export interface MachineDetectionOptions {
  mode: 'Enable' | 'DetectMessageEnd';
  callback: { url: string; method: 'GET' | 'POST' } | null;
}

const DEFAULT_HUMAN_DETECTION_MS = 800;
/** 'Enable' reports a machine once it is sure, well before the greeting ends. */
const MACHINE_START_DETECTION_MS = 1_500;
const BEEP_MS = 300;
const BYTES_PER_MS = 8;

export async function detectMachineAsync(args: {
  call: SimulatedCall;
  party: PartyBehaviour;
  mode: MachineDetectionOptions['mode'];
  callback: { url: string; method: 'GET' | 'POST' };
  authToken: string;
  ended: AbortSignal;
}): Promise<void> {
  const { call, party, mode, callback } = args;
  const [answeredBy, detectionMs] = resultFor(party, mode);
  if (!(await sleepUnlessAborted(detectionMs, args.ended))) return;

  call.answeredBy = answeredBy;
  logCallEvent(call, 'machine-detected', { answeredBy });
  const record = {
    answeredBy,
    url: callback.url,
    httpStatus: null as number | null,
    atMs: msSinceCreated(call),
  };
  call.machineDetections.push(record);
  const response = await sendSignedRequest({
    url: callback.url,
    method: callback.method,
    authToken: args.authToken,
    params: {
      AccountSid: call.accountSid,
      CallSid: call.sid,
      AnsweredBy: answeredBy,
      MachineDetectionDuration: String(detectionMs),
    },
  });
  record.httpStatus = response.httpStatus;
}

function resultFor(
  party: PartyBehaviour,
  mode: MachineDetectionOptions['mode'],
): [AnsweredBy, number] {
  if (party.answer !== 'machine')
    return ['human', party.humanDetectionMs ?? DEFAULT_HUMAN_DETECTION_MS];
  if (mode === 'Enable') return ['machine_start', MACHINE_START_DETECTION_MS];
  return ['machine_end_beep', greetingMs(party.audio) + BEEP_MS];
}

/** The machine's greeting: its audio up to the last sound. */
function greetingMs(audio: Buffer | undefined): number {
  if (!audio) return 0;
  let end = audio.length;
  while (end > 0 && audio[end - 1] === MULAW_SILENCE) end -= 1;
  return Math.round(end / BYTES_PER_MS);
}
