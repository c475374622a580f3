/**
 * Keeps each media stream's voice session row up to date without ever
 * touching the audio path: a state change only updates memory and schedules a
 * write for later. Writes are coalesced (the latest state wins) with at most
 * one in flight per session. When the database fails, the latest state stays
 * in memory, one warning is logged, and writing resumes once a probe succeeds.
 */
import type { Logger } from '../lib/logger.js';
import { newId } from '../lib/ids.js';
import { DependencyUnavailableError } from '../lib/errors.js';
import type { VoiceSessionSnapshot, VoiceSessionState } from '../db/voice-sessions.js';

/** Where snapshots go: PostgreSQL in the product, nowhere in the bench. */
export interface VoiceSessionStore {
  save(snapshot: VoiceSessionSnapshot): Promise<void>;
}

export interface RecordedSession {
  readonly id: string;
  setState(state: Exclude<VoiceSessionState, 'ended'>): void;
  /** The bridge asked the workflow to end the call: the reason the session will end with. */
  ending(reason: string): void;
  /** The stream is over; the first call wins. */
  end(streamReason: string): void;
}

export interface SessionRecorder {
  open(stream: { tenantId: string; callId: string; streamSid: string }): RecordedSession;
  /** Waits until every change is written, or the timeout passes; false if some were not. */
  drain(timeoutMs: number): Promise<boolean>;
}

export interface SessionRecorderOptions {
  store: VoiceSessionStore;
  bridgeInstanceId: string;
  logger: Logger;
  /** First wait before probing a failing database; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

const DEFAULT_RETRY_MS = 500;
const DEFAULT_MAX_RETRY_MS = 2_000;
/** A write refused for another reason than the database being unreachable is tried this often. */
const MAX_REFUSED_ATTEMPTS = 5;

class SessionEntry implements RecordedSession {
  refusedAttempts = 0;
  private endingReason: string | undefined;

  constructor(
    readonly snapshot: VoiceSessionSnapshot,
    private readonly changed: (entry: SessionEntry) => void,
  ) {}

  get id(): string {
    return this.snapshot.id;
  }

  get ended(): boolean {
    return this.snapshot.endedAt !== undefined;
  }

  setState(state: Exclude<VoiceSessionState, 'ended'>): void {
    // Once the bridge asked for the end, the session stays `ending` until the stream is over.
    if (this.ended || this.endingReason !== undefined || state === this.snapshot.state) return;
    this.snapshot.state = state;
    this.snapshot.stateChangedAt = new Date();
    this.changed(this);
  }

  ending(reason: string): void {
    if (this.ended || this.endingReason !== undefined) return;
    this.setState('ending');
    this.endingReason = reason;
  }

  end(streamReason: string): void {
    if (this.ended) return;
    const transferred = this.snapshot.state === 'transferring';
    const now = new Date();
    this.snapshot.endReason = this.endingReason ?? (transferred ? 'transferred' : streamReason);
    this.snapshot.endedAt = now;
    this.snapshot.state = 'ended';
    this.snapshot.stateChangedAt = now;
    this.changed(this);
  }
}

export function createSessionRecorder(options: SessionRecorderOptions): SessionRecorder {
  const { store, logger } = options;
  const firstRetryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const maxRetryMs = options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS;
  /** Changed since their last write began, and not being written. */
  const dirty = new Set<SessionEntry>();
  const writing = new Set<SessionEntry>();
  let flushScheduled = false;
  let failing = false;
  let retryMs = firstRetryMs;
  let retryTimer: NodeJS.Timeout | undefined;
  let idleWaiters: Array<() => void> = [];

  function changed(entry: SessionEntry): void {
    dirty.add(entry);
    if (!failing) scheduleFlush();
  }

  // Off the event that changed the state: the audio handler returns before any SQL is built.
  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      for (const entry of dirty) if (!writing.has(entry)) write(entry);
    });
  }

  function write(entry: SessionEntry): void {
    dirty.delete(entry);
    writing.add(entry);
    store.save({ ...entry.snapshot }).then(
      () => {
        writing.delete(entry);
        entry.refusedAttempts = 0;
        if (failing) recovered();
        if (dirty.size > 0) scheduleFlush();
        settle();
      },
      (error: unknown) => {
        writing.delete(entry);
        if (!(error instanceof DependencyUnavailableError)) entry.refusedAttempts += 1;
        if (entry.refusedAttempts >= MAX_REFUSED_ATTEMPTS) {
          logger.error(
            { voiceSessionId: entry.id, err: String(error) },
            'voice session write refused repeatedly: dropping its latest state',
          );
        } else {
          // A newer change may be queued already; either way the entry's latest snapshot is written.
          dirty.add(entry);
          fail(error);
        }
        settle();
      },
    );
  }

  function fail(error: unknown): void {
    if (!failing) {
      failing = true;
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'voice session writes failing: keeping the latest states in memory and retrying',
      );
    }
    if (retryTimer) return;
    retryTimer = setTimeout(probe, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  }

  /** One write tells whether the database is back; success flushes the rest. */
  function probe(): void {
    retryTimer = undefined;
    const next = [...dirty].find((entry) => !writing.has(entry));
    if (next) write(next);
    else if (writing.size === 0) recovered();
  }

  function recovered(): void {
    failing = false;
    retryMs = firstRetryMs;
    logger.info({ pending: dirty.size }, 'voice session writes recovered');
  }

  function settle(): void {
    if (dirty.size > 0 || writing.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  return {
    open(stream) {
      const now = new Date();
      const entry = new SessionEntry(
        {
          id: newId('vs'),
          tenantId: stream.tenantId,
          callId: stream.callId,
          streamSid: stream.streamSid,
          bridgeInstanceId: options.bridgeInstanceId,
          state: 'connecting',
          stateChangedAt: now,
          startedAt: now,
        },
        changed,
      );
      changed(entry);
      return entry;
    },

    async drain(timeoutMs) {
      if (dirty.size === 0 && writing.size === 0) return true;
      if (failing && retryTimer) {
        // Shutting down: try now rather than after the back-off.
        clearTimeout(retryTimer);
        probe();
      }
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true)));
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const drained = await Promise.race([idle, timeout]);
      clearTimeout(timer);
      return drained;
    },
  };
}
