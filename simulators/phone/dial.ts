/**
 * `<Dial>` as Twilio performs it, for handoffs: a second leg to a number
 * whose party answers, is busy or does not answer within the timeout, or a
 * conference room. Rooms here hold two parties: when one leaves, the other's
 * `<Dial>` ends too (as with endConferenceOnExit), which is all a transfer needs.
 */
import { msSinceCreated } from './call-record.js';
import { createSid } from './ids.js';
import { sleepUnlessAborted } from './time.js';
import type { DialVerb } from './twiml.js';
import type { DialRecord, PartyBehaviour, SimulatedCall } from './types.js';

const DEFAULT_RING_MS = 150;
/** How long an operator who answered stays on the line when the party sets no maxCallMs. */
const DEFAULT_TALK_MS = 120_000;

/** The simulator's conference rooms, shared by every call. */
export class ConferenceRooms {
  private readonly rooms = new Map<string, { members: Set<string>; ended: AbortController }>();

  /** Resolves when this leg leaves (its signal aborts) or the other party left the room. */
  async join(room: string, callSid: string, signal: AbortSignal): Promise<void> {
    let entry = this.rooms.get(room);
    if (!entry) {
      entry = { members: new Set(), ended: new AbortController() };
      this.rooms.set(room, entry);
    }
    entry.members.add(callSid);
    await sleepUnlessAborted(Infinity, AbortSignal.any([signal, entry.ended.signal]));
    entry.members.delete(callSid);
    entry.ended.abort();
    if (entry.members.size === 0) this.rooms.delete(room);
  }

  membersOf(room: string): string[] {
    return [...(this.rooms.get(room)?.members ?? [])];
  }
}

export interface DialContext {
  call: SimulatedCall;
  partyFor(number: string): PartyBehaviour;
  conferences: ConferenceRooms;
}

/** Performs the dial and answers its record; the record's status is DialCallStatus. */
export async function performDial(
  context: DialContext,
  verb: DialVerb,
  signal: AbortSignal,
): Promise<DialRecord> {
  const { call } = context;
  const record: DialRecord = {
    target: verb.target.kind === 'number' ? verb.target.number : `conference:${verb.target.room}`,
    dialCallSid: verb.target.kind === 'number' ? createSid('CA') : null,
    status: null,
    startedAtMs: msSinceCreated(call),
    answeredAtMs: null,
    endedAtMs: null,
    durationSec: 0,
  };
  call.dials.push(record);

  if (verb.target.kind === 'conference') {
    record.answeredAtMs = msSinceCreated(call);
    await context.conferences.join(verb.target.room, call.sid, signal);
    return finish(record, call, 'completed');
  }

  const party = context.partyFor(verb.target.number);
  const timeoutMs = verb.timeoutSec * 1_000;
  const ringMs = party.ringMs ?? DEFAULT_RING_MS;
  if (party.answer === 'no-answer' || ringMs > timeoutMs) {
    const rangOut = await sleepUnlessAborted(timeoutMs, signal);
    return finish(record, call, rangOut ? 'no-answer' : 'canceled');
  }
  if (!(await sleepUnlessAborted(ringMs, signal))) return finish(record, call, 'canceled');
  if (party.answer === 'busy' || party.answer === 'failed')
    return finish(record, call, party.answer);

  record.answeredAtMs = msSinceCreated(call);
  await sleepUnlessAborted(party.maxCallMs ?? DEFAULT_TALK_MS, signal);
  return finish(record, call, 'completed');
}

function finish(record: DialRecord, call: SimulatedCall, status: DialRecord['status']): DialRecord {
  record.status = status;
  record.endedAtMs = msSinceCreated(call);
  if (record.answeredAtMs !== null) {
    record.durationSec = Math.ceil((record.endedAtMs - record.answeredAtMs) / 1_000);
  }
  return record;
}
