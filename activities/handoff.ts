/**
 * The Twilio and database side of a handoff: which operator takes it, and
 * the REST updates that move the live call (cold dial, hold, whisper leg,
 * the room, an apology).
 */
import type { Twilio } from 'twilio';
import { countActiveTasks, listQueues } from '../db/callbacks.js';
import type { Database } from '../db/database.js';
import {
  coldTransferTwiml,
  handoffRoom,
  handoffStatusUrl,
  holdTwiml,
  joinRoomTwiml,
  operatorWhisperTwiml,
} from '../lib/handoff-twiml.js';
import { politeHangupTwiml } from '../lib/twiml.js';
import { isOpen, nextBusinessTime, type BusinessHours } from '../workflows/callback-schedule.js';
import type { HandoffTarget } from '../workflows/handoff-types.js';

export interface HandoffDependencies {
  db: Database;
  twilio: Twilio;
  publicUrl: string;
}

export function createHandoffActivities(deps: HandoffDependencies) {
  async function updateCall(callSid: string, twiml: string): Promise<{ live: boolean }> {
    try {
      await deps.twilio.calls(callSid).update({ twiml });
      return { live: true };
    } catch (error) {
      // 21220: the call is no longer in progress (the caller left); 404: gone.
      const { status, code } = error as { status?: number; code?: number };
      if (status === 404 || code === 21220) return { live: false };
      throw error;
    }
  }

  return {
    async resolveHandoffTarget(input: {
      tenantId: string;
      queue?: string;
    }): Promise<HandoffTarget> {
      const queues = await listQueues(deps.db, input.tenantId);
      const queue = input.queue
        ? queues.find((candidate) => candidate.name === input.queue)
        : queues.find((candidate) => candidate.operator_number !== null);
      if (!queue) {
        return { queueId: null, operatorNumber: null, open: false, full: false, nextOpenAt: null };
      }
      const hours = queue.business_hours as BusinessHours;
      const now = new Date();
      return {
        queueId: queue.id,
        operatorNumber: queue.operator_number,
        open: isOpen(now, queue.time_zone, hours),
        full: (await countActiveTasks(deps.db, input.tenantId, queue.id)) >= queue.capacity,
        nextOpenAt: nextBusinessTime(now, queue.time_zone, hours)?.toISOString() ?? null,
      };
    },

    async startColdTransfer(input: {
      callId: string;
      callSid: string;
      operatorNumber: string;
      timeoutSec: number;
    }) {
      return updateCall(
        input.callSid,
        coldTransferTwiml({
          operatorNumber: input.operatorNumber,
          actionUrl: handoffStatusUrl(deps.publicUrl, input.callId),
          timeoutSec: input.timeoutSec,
        }),
      );
    },

    async holdCaller(input: { callSid: string }) {
      return updateCall(input.callSid, holdTwiml());
    },

    /** The warm transfer's second leg: the operator hears the summary, then waits in the room. */
    async callOperator(input: {
      callId: string;
      operatorNumber: string;
      from: string;
      summary: string;
      timeoutSec: number;
    }): Promise<{ callSid: string }> {
      const call = await deps.twilio.calls.create({
        to: input.operatorNumber,
        from: input.from,
        timeout: input.timeoutSec,
        twiml: operatorWhisperTwiml({ summary: input.summary, room: handoffRoom(input.callId) }),
      });
      return { callSid: call.sid };
    },

    async connectCallerToOperator(input: { callId: string; callSid: string }) {
      return updateCall(
        input.callSid,
        joinRoomTwiml({
          room: handoffRoom(input.callId),
          actionUrl: handoffStatusUrl(deps.publicUrl, input.callId),
        }),
      );
    },

    async apologizeAndHangUp(input: { callSid: string; message: string }) {
      return updateCall(input.callSid, politeHangupTwiml(input.message));
    },
  };
}
