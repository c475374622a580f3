/**
 * The timeline entries a call workflow learns from its messages: ringing and
 * the answer from Twilio's status callbacks (or the media stream, when it
 * comes first), each media stream from attachMediaStream. Each entry carries
 * the workflow's time of learning it and is recorded once (its dedupe key).
 * Records run one after another, so entries learned in the same workflow task
 * keep their order in the table, and a handler never waits on the database.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import { withSummaries } from './activity-summaries.js';
import { TERMINAL_STATUSES, type CallStatus } from './types.js';

const store = withSummaries(
  proxyActivities<CallActivities>({
    startToCloseTimeout: '10 seconds',
    retry: {
      initialInterval: '500 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
    },
  }),
);

export function createCallTimeline(ids: { callId: string; tenantId: string }) {
  const recorded = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let endedAt: string | undefined;

  function record(
    type: string,
    detail: Record<string, unknown> = {},
    options: { key?: string; status?: CallStatus; answeredBy?: string } = {},
  ): void {
    const key = options.key ?? type;
    if (recorded.has(key)) return;
    recorded.add(key);
    const occurredAt = new Date().toISOString();
    chain = chain.then(() =>
      store.recordCallProgress({
        ...ids,
        status: options.status,
        answeredBy: options.answeredBy,
        event: { type, detail, key, occurredAt },
      }),
    );
    // A side branch, so the chain (and the order of its commands) is as it always was.
    inFlight += 1;
    const settle = () => void (inFlight -= 1);
    void chain.then(settle, settle);
  }

  return {
    /** A status the call just moved to: ringing and the answer go on the timeline. */
    noteStatus(status: CallStatus, answeredBy: string | undefined): void {
      if (status === 'ringing') record('ringing');
      // The same entry as the connected phase records (it dedupes), now also for inbound calls.
      if (status === 'in-progress')
        record('answered', answeredBy ? { answeredBy } : {}, { status, answeredBy });
      if (TERMINAL_STATUSES.has(status)) endedAt ??= new Date().toISOString();
    },

    /** One entry per stream: a stream that replaces a failed one is an entry of its own. */
    noteMediaStream(streamSid: string): void {
      record('media_connected', { streamSid }, { key: `media:${streamSid}` });
    },

    /** A stream lost while the call went on (its bridge died); a replacement is on its way. */
    noteMediaLost(stream: number, streamSid: string | undefined): void {
      record(
        'media_lost',
        { stream, streamSid: streamSid ?? null },
        { key: `media-lost:${stream}` },
      );
    },

    /** When the call reached its final status, for the record's ended_at and `ended` entry. */
    endedAt(): string | undefined {
      return endedAt;
    },

    /** Resolves once every entry noted so far is stored. */
    settled(): Promise<void> {
      return chain;
    },

    /** Whether every entry noted so far is stored (a run carries over only then). */
    isSettled(): boolean {
      return inFlight === 0;
    },
  };
}
