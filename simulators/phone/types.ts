/**
 * The phone simulator's public shapes: how a remote party behaves, and the
 * plain record each simulated call keeps so tests can assert on its whole life.
 * Times inside a call (`atMs`) are milliseconds since the call was created;
 * times inside a stream (`...StreamMs`) are milliseconds since its `start`.
 */
import type { Logger } from 'pino';

export interface PartyBehaviour {
  /** What happens when an outbound call reaches this party. */
  answer: 'answer' | 'busy' | 'no-answer' | 'failed' | 'machine';
  /** Time ringing before the outcome; default 150. */
  ringMs?: number;
  /** 8 kHz mu-law the remote party speaks; default: silence only. */
  audio?: Buffer;
  /** 'polite' takes turns with the agent; 'continuous' plays straight through. */
  speech?: 'polite' | 'continuous';
  /** 'polite' only: the least pause after each utterance, room for a reply; default 1_800. */
  turnGapMs?: number;
  /**
   * 'polite' only: zero-based utterances after which the party waits for the agent's answer
   * before it goes on (it asked something: the demo caller's order question), at most
   * `replyWaitMs`. Other utterances are followed by the turn gap alone.
   */
  waitForReplyAfter?: number[];
  /** The longest wait for an answer after a `waitForReplyAfter` utterance; default 15_000. */
  replyWaitMs?: number;
  /** After the stream's `start`, before the party may speak; default 0. */
  startDelayMs?: number;
  /** If set, the party hangs up this long after its audio ends. */
  hangupAfterAudioMs?: number;
  /** Safety: the party hangs up this long after answering; default 120_000. */
  maxCallMs?: number;
  /** A scripted caller: these steps replace `audio` and `speech` (see PartyStep). */
  script?: PartyStep[];
  /** Send one `media` frame before `start`, as Twilio sometimes does (case C06). */
  mediaBeforeStart?: boolean;
  /** Asynchronous machine detection: how long until a human is recognised; default 800. */
  humanDetectionMs?: number;
}

/** When a scripted party takes its next step. */
export type PartyCue =
  /** The agent replied (audio played since the previous step) and then was silent this long. */
  | { agentSilentForMs: number }
  /** The agent's audio has been playing this long without a break: a barge-in. */
  | { agentSpeakingForMs: number }
  /** This long after the previous step ended (after the stream's start, for the first). */
  | { afterMs: number };

/** One action of a scripted party, taken when its cue is met; a step with no action only waits. */
export interface PartyStep {
  when: PartyCue;
  /** Speak for this long: a tone loud enough for the model's voice detection. */
  speakMs?: number;
  /** Press these keypad digits (`dtmf` events on the stream). */
  pressDigits?: string;
  /** Hang up. */
  hangUp?: boolean;
}

export interface PhoneSimulatorOptions {
  /** AccountSid -> auth token. */
  accounts: Record<string, string>;
  /** Default 0 (ephemeral); the host is always 127.0.0.1. */
  port?: number;
  /** Keyed by the E.164 number of the remote party. */
  parties?: Record<string, PartyBehaviour>;
  /** Default { answer: 'answer' }. */
  defaultParty?: PartyBehaviour;
  /** How long a `<Say>` takes per character of text; default 50. */
  sayMsPerCharacter?: number;
  /** How long a `<Play>` takes (the simulator never fetches the file); default 1_000. */
  playMs?: number;
  /** Default: a silent pino logger. */
  logger?: Logger;
}

export type CallStatus =
  'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export type CallDirection = 'inbound' | 'outbound-api';

/** Twilio's AnsweredBy values the simulator produces. */
export type AnsweredBy = 'human' | 'machine_start' | 'machine_end_beep';

/** 'error' is the simulator's addition: a webhook failed, as Twilio's "application error". */
export type CallEndedBy = 'party' | 'api' | 'twiml' | 'timeout' | 'error';

export type StatusCallbackEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

export interface StatusCallbackRecord {
  event: StatusCallbackEvent;
  /** The CallStatus sent: initiated, ringing, in-progress or the final status. */
  status: string;
  url: string;
  sequenceNumber: number;
  /** null when the request failed before any answer. */
  httpStatus: number | null;
  atMs: number;
  error?: string;
}

export type WebhookPurpose = 'voice' | 'redirect' | 'connect-action' | 'dial-action';

export interface WebhookRecord {
  purpose: WebhookPurpose;
  url: string;
  method: 'GET' | 'POST';
  httpStatus: number | null;
  atMs: number;
  error?: string;
}

export interface TwimlRecord {
  source: 'create' | 'update' | 'webhook';
  url?: string;
  document: string;
  atMs: number;
}

export interface MarkReceivedRecord {
  name: string;
  receivedAtStreamMs: number;
  /** When the mark was echoed back (played through or cleared); null while pending. */
  returnedAtStreamMs: number | null;
  /** Agent audio played before this mark was reached, in milliseconds. */
  playedAudioMs: number | null;
}

export interface MarkReturnedRecord {
  name: string;
  atStreamMs: number;
  cause: 'played' | 'cleared';
}

export interface ClearRecord {
  atStreamMs: number;
  discardedBytes: number;
  marksReturned: number;
}

export interface UtterancePlayedRecord {
  index: number;
  startedAtStreamMs: number;
  endedAtStreamMs: number | null;
}

export interface StreamRecord {
  url: string;
  /** 101 when accepted, the refusing HTTP status otherwise, null if no answer. */
  upgradeStatus: number | null;
  streamSid: string;
  customParameters: Record<string, string>;
  framesSent: number;
  agentMediaBytes: number;
  /** When the bridge's first agent audio arrived (stream time), null if none did. */
  firstAgentMediaAtStreamMs: number | null;
  agentAudioPlayedBytes: number;
  agentAudioDiscardedBytes: number;
  marksReceived: MarkReceivedRecord[];
  marksReturned: MarkReturnedRecord[];
  clears: ClearRecord[];
  digitsSent: string[];
  /** DTMF tones heard in the agent audio that played, in order. */
  digitsHeard: string[];
  /** Frames sent before `start` (see PartyBehaviour.mediaBeforeStart). */
  framesBeforeStart: number;
  invalidMessages: { atStreamMs: number; reason: string }[];
  utterancesPlayed: UtterancePlayedRecord[];
  startedAtMs: number | null;
  stoppedAtMs: number | null;
  /** Who ended the stream: the simulator sent `stop`, or the bridge closed the socket. */
  endedBy: 'stop' | 'bridge' | 'refused' | null;
  closeCode: number | null;
}

/** An asynchronous answering machine detection result posted to AsyncAmdStatusCallback. */
export interface MachineDetectionRecord {
  answeredBy: string;
  url: string;
  httpStatus: number | null;
  atMs: number;
}

export type DialCallStatus =
  'completed' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export interface DialRecord {
  target: string;
  /** The second leg's sid (`<Number>`); null for a conference. */
  dialCallSid: string | null;
  status: DialCallStatus | null;
  startedAtMs: number;
  answeredAtMs: number | null;
  endedAtMs: number | null;
  durationSec: number;
}

export interface CallEventRecord {
  atMs: number;
  type: string;
  detail?: Record<string, string | number | boolean | null>;
}

export interface SimulatedCall {
  sid: string;
  accountSid: string;
  direction: CallDirection;
  from: string;
  to: string;
  status: CallStatus;
  /** What machine detection found, when it was asked; null otherwise or until it finishes. */
  answeredBy: AnsweredBy | null;
  /** Results posted to AsyncAmdStatusCallback (asynchronous detection only). */
  machineDetections: MachineDetectionRecord[];
  createdAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  durationSec: number | null;
  endedBy: CallEndedBy | null;
  statusCallbackUrl: string | null;
  statusCallbacks: StatusCallbackRecord[];
  webhooks: WebhookRecord[];
  twimlDocuments: TwimlRecord[];
  /** Verbs the simulator records but does not perform, such as `<Gather>`. */
  ignoredVerbs: { verb: string; detail: string; atMs: number }[];
  /** Every `<Dial>` the call performed, in order. */
  dials: DialRecord[];
  /** Every stream the call opened, in order; `stream` is the latest. */
  streams: StreamRecord[];
  stream: StreamRecord | null;
  events: CallEventRecord[];
}

export interface InboundCallArgs {
  accountSid: string;
  from: string;
  to: string;
  webhookUrl: string;
  statusCallbackUrl?: string;
  /** Status callback events besides the final one; default none, as for a number's callback. */
  statusCallbackEvents?: StatusCallbackEvent[];
  party?: PartyBehaviour;
}

export interface PhoneSimulator {
  /** 'http://localhost:<port>'. */
  apiBaseUrl: string;
  calls: ReadonlyMap<string, SimulatedCall>;
  setParty(number: string, party: PartyBehaviour): void;
  /** Resolves once the call's webhook has answered (or failed); the call runs on. */
  placeInboundCall(args: InboundCallArgs): Promise<SimulatedCall>;
  pressDigits(callSid: string, digits: string): void;
  hangUp(callSid: string): Promise<void>;
  /** Resolves after the final status callback was delivered and the stream closed. */
  waitForCallEnd(callSid: string, timeoutMs?: number): Promise<SimulatedCall>;
  waitForCall(
    predicate: (call: SimulatedCall) => boolean,
    timeoutMs?: number,
  ): Promise<SimulatedCall>;
  close(): Promise<void>;
}
