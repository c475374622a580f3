/** Activities that talk to Twilio's REST API through the official client. */
import { ApplicationFailure } from '@temporalio/common';
import type { Twilio } from 'twilio';
import { mintStreamToken } from '../lib/stream-token.js';
import { connectStreamTwiml } from '../lib/twiml.js';
import type { CallStatus } from '../workflows/types.js';

export interface TelephonyDependencies {
  twilio: Twilio;
  publicUrl: string;
  streamUrl: string;
  streamTokenSecret: string;
}

/** Twilio refused the request (4xx): retrying would not help. */
export const TELEPHONY_REJECTED = 'TelephonyRejected';

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

export function createTelephonyActivities(deps: TelephonyDependencies) {
  return {
    async placeCall(input: { callId: string; tenantId: string; to: string; from: string }): Promise<{ callSid: string }> {
      const twiml = connectStreamTwiml({
        streamUrl: deps.streamUrl,
        callId: input.callId,
        streamToken: mintStreamToken(deps.streamTokenSecret, input.callId),
      });
      // Only our own id-safe values go in URLs we hand Twilio (C02).
      const statusCallback = `${deps.publicUrl}/api/v1/call-status?call_id=${encodeURIComponent(input.callId)}`;
      try {
        const call = await deps.twilio.calls.create({
          to: input.to,
          from: input.from,
          twiml,
          statusCallback,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        });
        return { callSid: call.sid };
      } catch (error) {
        const status = statusOf(error);
        if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
          throw ApplicationFailure.nonRetryable(`twilio refused the call (${status})`, TELEPHONY_REJECTED);
        }
        throw error;
      }
    },

    async fetchCallStatus(input: { callSid: string }): Promise<{ status: CallStatus; durationSec?: number }> {
      let call;
      try {
        call = await deps.twilio.calls(input.callSid).fetch();
      } catch (error) {
        if (statusOf(error) === 404) throw ApplicationFailure.nonRetryable('twilio has no such call', TELEPHONY_REJECTED);
        throw error;
      }
      const duration = Number.parseInt(call.duration ?? '', 10);
      return {
        status: call.status as CallStatus,
        durationSec: Number.isFinite(duration) ? duration : undefined,
      };
    },

    async hangUpCall(input: { callSid: string }): Promise<{ alreadyEnded: boolean }> {
      try {
        await deps.twilio.calls(input.callSid).update({ status: 'completed' });
        return { alreadyEnded: false };
      } catch (error) {
        // The caller already left: the call is over, which is what we wanted (C08).
        if (statusOf(error) === 404) return { alreadyEnded: true };
        throw error;
      }
    },
  };
}
