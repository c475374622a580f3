/**
 * What a long call carries from one workflow run into the next when it
 * continues-as-new (C13): everything the conversation phase and the phases
 * after it read, so the new run resumes the call where the old one stood.
 */
import type { HandoffRequest } from './handoff-types.js';
import type { TenantEventName } from './notification-types.js';
import type {
  CallStatus,
  ConversationResume,
  ResolvedAgentVersion,
  ToolResult,
  TranscriptTurn,
} from './types.js';

export type RecentTurn = ConversationResume['turns'][number];

/** The tool runner's memory: a call id that already ran answers its first result again. */
export interface ToolRunnerState {
  results: Record<string, ToolResult>;
  identityVerified: boolean;
}

export interface EscalationState {
  requested?: HandoffRequest;
  toolErrorStreak: number;
  lastCallerLine: string;
}

export interface CallContinuation {
  /** Which run of the call this input starts: 2 for the first continuation. */
  run: number;
  status: CallStatus;
  callSid?: string;
  version: ResolvedAgentVersion;
  streamSid?: string;
  durationSec: number | null;
  hangUpReason?: string;
  hangUpDetail?: string;
  answeredBy?: string;
  /** The time limit, fixed when the conversation started (epoch milliseconds). */
  conversationEndsAtMs: number;
  keypad: { lastEntry?: string; entries: number };
  /** received: per stream, the highest turn position delivered (repeats are recognised by it). */
  turns: { saved: number; unsaved: TranscriptTurn[]; received: Record<string, number> };
  tools: ToolRunnerState;
  escalation: EscalationState;
  tenantEventsEmitted: TenantEventName[];
  /**
   * Bridge failover: the stream number in use or handed out, the last one lost, replacements so
   * far, the turns a replacement model session is seeded with.
   */
  streams?: { number: number; retired: number; recoveries: number; recentTurns: RecentTurn[] };
  /** Decisions the first run took with patched(); a later run must not take them again. */
  patches: { tenantEvents: boolean; callTimeline: boolean; streamFailover?: boolean };
}

/**
 * A run continues-as-new once its history holds this many events. Every signal is an event, so
 * it also keeps a run well under Temporal's cap of 10,000 signals per run.
 */
export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 4_000;

/** When a call continues-as-new; a test lowers them to force several runs quickly. */
export interface CallHistoryLimits {
  /** Default DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS. */
  continueAsNewAfterEvents?: number;
}
