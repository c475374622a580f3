/**
 * What a live call is doing, in the words an operator uses (greeting,
 * listening, agent speaking, in a tool, transferring, ending), derived from
 * what the conversation already tracks. Cheap enough to ask after every event.
 */
import type { VoiceSessionState } from '../db/voice-sessions.js';

export type ConversationState = Exclude<VoiceSessionState, 'connecting' | 'ended'>;

/** What the conversation knows at one moment. */
export interface ConversationFacts {
  /** Agent audio has gone to Twilio and not all of it is confirmed played. */
  agentAudioUnplayed: boolean;
  callerSpeaking: boolean;
  toolsInFlight: number;
  /** transfer_to_human answered: the workflow is handing the caller on. */
  transferring: boolean;
  /** A hang-up is asked for or waits for the goodbye; last words are under way. */
  ending: boolean;
}

export class ConversationStateTracker {
  /** Greeting until the greeting has played out, or the caller or a tool takes over. */
  private greeting: boolean;
  private greetingHeard = false;

  constructor(hasGreeting: boolean) {
    this.greeting = hasGreeting;
  }

  next(facts: ConversationFacts): ConversationState {
    if (this.greeting) this.followGreeting(facts);

    if (facts.transferring) return 'transferring';
    if (facts.ending) return 'ending';
    if (this.greeting) return 'greeting';
    if (facts.toolsInFlight > 0) return 'in_tool';
    if (facts.agentAudioUnplayed) return 'agent_speaking';
    return 'listening';
  }

  private followGreeting(facts: ConversationFacts): void {
    if (facts.callerSpeaking || facts.toolsInFlight > 0 || facts.transferring || facts.ending) {
      this.greeting = false;
    } else if (facts.agentAudioUnplayed) {
      this.greetingHeard = true;
    } else if (this.greetingHeard) {
      this.greeting = false;
    }
  }
}
