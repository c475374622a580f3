/**
 * The phone simulator, a local stand-in for Twilio: see README.md here.
 */
export { startPhoneSimulator } from './simulator.js';
export { computeTwilioSignature } from './signature.js';
export { splitUtterances, type Utterance } from './utterances.js';
export type {
  CallDirection,
  CallEndedBy,
  CallEventRecord,
  CallStatus,
  ClearRecord,
  InboundCallArgs,
  MarkReceivedRecord,
  MarkReturnedRecord,
  PartyBehaviour,
  PartyCue,
  PartyStep,
  MachineDetectionRecord,
  AnsweredBy,
  PhoneSimulator,
  PhoneSimulatorOptions,
  SimulatedCall,
  StatusCallbackEvent,
  StatusCallbackRecord,
  StreamRecord,
  TwimlRecord,
  UtterancePlayedRecord,
  WebhookRecord,
} from './types.js';
