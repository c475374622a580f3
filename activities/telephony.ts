/** Activities that talk to Twilio's REST API through the official client. */
import { ApplicationFailure } from '@temporalio/common';
import type { Twilio } from 'twilio';
import { mintStreamToken } from '../lib/stream-token.js';
import { connectStreamTwiml, politeHangupTwiml, streamEndedUrl } from '../lib/twiml.js';
import type { CallStatus } from '../workflows/types.js';

export interface TelephonyDependencies {
  twilio: Twilio;
  publicUrl: string;
  streamUrl: string;
  streamTokenSecret: string;
}

/** Twilio refused the request (4xx): retrying would not help. */
export const TELEPHONY_REJECTED = 'TelephonyRejected';

/** Twilio's error code for a TwiML update on a call that is no longer in progress. */
const CALL_NOT_IN_PROGRESS = 21220;

/** Twilio answers 404 (or 21220 for new TwiML) when the caller already left: the call is over (C08). */
async function updateUnlessEnded(
  update: () => Promise<unknown>,
): Promise<{ alreadyEnded: boolean }> {
  try {
    await update();
    return { alreadyEnded: false };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (statusOf(error) === 404 || code === CALL_NOT_IN_PROGRESS) return { alreadyEnded: true };
    throw error;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

export function createTelephonyActivities(deps: TelephonyDependencies) {
  return {
    async placeCall(input: {
      callId: string;
      tenantId: string;
      to: string;
      from: string;
      /** Answering machine detection, asynchronous so a person never waits in silence. */
      machineDetection?: 'Enable' | 'DetectMessageEnd';
    }): Promise<{ callSid: string }> {
      const twiml = connectStreamTwiml({
        streamUrl: deps.streamUrl,
        callId: input.callId,
        streamToken: mintStreamToken(deps.streamTokenSecret, input.callId),
        streamEndedUrl: streamEndedUrl(deps.publicUrl, input.callId),
      });
      // Only our own id-safe values go in URLs we hand Twilio (C02).
      const callQuery = `call_id=${encodeURIComponent(input.callId)}`;
      const statusCallback = `${deps.publicUrl}/api/v1/call-status?${callQuery}`;
      const detection = input.machineDetection
        ? {
            machineDetection: input.machineDetection,
            asyncAmd: 'true',
            asyncAmdStatusCallback: `${deps.publicUrl}/api/v1/amd-status?${callQuery}`,
            asyncAmdStatusCallbackMethod: 'POST',
          }
        : {};
      try {
        const call = await deps.twilio.calls.create({
          to: input.to,
          from: input.from,
          twiml,
          statusCallback,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          ...detection,
        });
        return { callSid: call.sid };
      } catch (error) {
        const status = statusOf(error);
        if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
          throw ApplicationFailure.nonRetryable(
            `twilio refused the call (${status})`,
            TELEPHONY_REJECTED,
          );
        }
        throw error;
      }
    },

    async fetchCallStatus(input: {
      callSid: string;
    }): Promise<{ status: CallStatus; durationSec?: number }> {
      let call;
      try {
        call = await deps.twilio.calls(input.callSid).fetch();
      } catch (error) {
        if (statusOf(error) === 404)
          throw ApplicationFailure.nonRetryable('twilio has no such call', TELEPHONY_REJECTED);
        throw error;
      }
      const duration = Number.parseInt(call.duration ?? '', 10);
      return {
        status: call.status as CallStatus,
        durationSec: Number.isFinite(duration) ? duration : undefined,
      };
    },

    /** Hangs up an answered call; cancels one still ringing (Twilio ignores `completed` there). */
    async hangUpCall(input: {
      callSid: string;
      beforeAnswer?: boolean;
    }): Promise<{ alreadyEnded: boolean }> {
      const status = input.beforeAnswer ? 'canceled' : 'completed';
      return updateUnlessEnded(() => deps.twilio.calls(input.callSid).update({ status }));
    },

    /**
     * Replaces the call's TwiML with a spoken message and a hang-up: the model's fallback when
     * it failed, or a voicemail. Twilio stops the media stream and says it with its own voice.
     */
    async endCallWithMessage(input: {
      callSid: string;
      message: string;
    }): Promise<{ alreadyEnded: boolean }> {
      const twiml = politeHangupTwiml(input.message);
      return updateUnlessEnded(() => deps.twilio.calls(input.callSid).update({ twiml }));
    },
  };
}
