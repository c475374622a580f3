/** Twilio's webhooks: inbound calls and status callbacks, both signature-checked first. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { findCallByCallSid, findCallById, type CallRow } from '../../db/calls.js';
import type { Database } from '../../db/database.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { maskPhoneNumber } from '../../lib/redact.js';
import { mintStreamToken } from '../../lib/stream-token.js';
import { HANDOFF_FAILED_MESSAGE } from '../../lib/handoff-twiml.js';
import {
  connectStreamTwiml,
  hangupTwiml,
  holdTwiml,
  politeHangupTwiml,
  streamEndedUrl,
} from '../../lib/twiml.js';
import { callWorkflowId } from '../../workflows/ids.js';
import type { CallGateway } from '../call-gateway.js';
import { route } from '../http.js';
import type { TwilioAuthTokens } from './account-tokens.js';
import { routeInboundCall } from './route-inbound.js';
import { formOf, twilioWebhookGuards } from './verify.js';

export interface TwilioRouteDependencies {
  db: Database;
  calls: CallGateway;
  logger: Logger;
  publicUrl: string;
  streamUrl: string;
  streamTokenSecret: string;
  authTokens: TwilioAuthTokens;
  maxBodyBytes: number;
}

const SORRY_UNKNOWN_NUMBER = 'Sorry, this number is not in service. Goodbye.';
const SORRY_UNAVAILABLE =
  'Sorry, we cannot take your call right now. Please try again in a few minutes. Goodbye.';
const SORRY_BUSY =
  'Sorry, all of our lines are busy right now. Please try again in a few minutes. Goodbye.';

const callSid = z.string().regex(/^CA[0-9a-f]{32}$/);
// Numbers, or client:/sip: identities; never control characters.
const phone = z.string().regex(/^[^\u0000-\u001f\u007f]{1,64}$/, 'not a phone number or identity');

const incomingCallForm = z.object({
  CallSid: callSid,
  AccountSid: z.string().regex(/^AC[0-9a-f]{32}$/),
  // Withheld caller ids arrive empty or as words like 'anonymous'; the call is still taken.
  From: phone.optional().default('anonymous'),
  To: phone,
});

const statusCallbackForm = z.object({
  CallSid: callSid,
  CallStatus: z.enum([
    'queued',
    'initiated',
    'ringing',
    'in-progress',
    'completed',
    'busy',
    'no-answer',
    'failed',
    'canceled',
  ]),
  CallDuration: z.coerce.number().int().min(0).optional(),
  SequenceNumber: z.coerce.number().int().min(0).optional(),
  AnsweredBy: z.string().max(40).optional(),
  Timestamp: z.string().max(64).optional(),
});

const machineDetectionForm = z.object({
  CallSid: callSid,
  AnsweredBy: z.enum([
    'human',
    'machine_start',
    'machine_end_beep',
    'machine_end_silence',
    'machine_end_other',
    'fax',
    'unknown',
  ]),
});

const dialActionForm = z.object({
  CallSid: callSid,
  DialCallStatus: z.enum(['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled']),
  DialCallSid: callSid.optional(),
  DialCallDuration: z.coerce.number().int().min(0).optional(),
});

const streamEndedForm = z.object({ CallSid: callSid });

const statusQuery = z.object({
  call_id: z
    .string()
    .regex(/^call_[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});

/** Twilio's webhook routes, relative to the api prefix; metrics time them apart from the API. */
export const TWILIO_WEBHOOK_PATHS = [
  '/incoming-call',
  '/call-status',
  '/amd-status',
  '/handoff-status',
  '/stream-ended',
] as const;
const [INCOMING_CALL, CALL_STATUS, AMD_STATUS, HANDOFF_STATUS, STREAM_ENDED] = TWILIO_WEBHOOK_PATHS;

/** The logger for one call's webhooks: every line names the call, its Twilio sid and workflow. */
function callLogger(logger: Logger, callId: string, callSid: string): Logger {
  return logger.child({ callId, callSid, workflowId: callWorkflowId(callId) });
}

/** A tenant's subaccount may only report on that tenant's calls; the platform's on any. */
async function reportsOnItsOwnCall(
  db: Database,
  request: Request,
  callId: string,
): Promise<boolean> {
  const accountTenantId = request.twilioAccount?.tenantId;
  return !accountTenantId || (await findCallById(db, callId))?.tenant_id === accountTenantId;
}

/** A Twilio report on one of our calls: its form, and the call id we put in its URL. */
function callReport<Schema extends z.ZodType>(
  request: Request,
  schema: Schema,
): { form: { data: z.output<Schema> }; callId: string } | undefined {
  const form = schema.safeParse(formOf(request));
  const query = statusQuery.safeParse(request.query);
  const callId = query.success ? query.data.call_id : undefined;
  return form.success && callId ? { form: { data: form.data }, callId } : undefined;
}

/**
 * The call a report is about, when it may be: the call's own sid (once known) and, from a
 * tenant's subaccount, that tenant's call.
 */
async function reportedCall(
  db: Database,
  request: Request,
  callId: string,
  callSid: string,
): Promise<CallRow | undefined> {
  const call = await findCallById(db, callId);
  const accountTenantId = request.twilioAccount?.tenantId;
  if (!call || (call.call_sid !== null && call.call_sid !== callSid)) return undefined;
  if (accountTenantId && call.tenant_id !== accountTenantId) return undefined;
  return call;
}

function sendTwiml(response: Response, twiml: string): void {
  response.status(200).type('text/xml').send(twiml);
}

export function twilioRouter(deps: TwilioRouteDependencies): Router {
  const router = Router();
  const verified = twilioWebhookGuards(deps);

  router.post(
    INCOMING_CALL,
    ...verified,
    route(async (request, response) => {
      const form = incomingCallForm.safeParse(formOf(request));
      if (!form.success) {
        deps.logger.warn(
          { requestId: request.requestId },
          'incoming call without the expected fields',
        );
        sendTwiml(response, politeHangupTwiml(SORRY_UNAVAILABLE));
        return;
      }
      const { CallSid, From, To, AccountSid } = form.data;

      try {
        const routed = await routeInboundCall(deps, {
          callSid: CallSid,
          accountSid: AccountSid,
          accountTenantId: request.twilioAccount?.tenantId,
          from: From,
          to: To,
        });
        if (routed.outcome === 'unrouted') {
          deps.logger.info(
            { to: maskPhoneNumber(To), callSid: CallSid },
            'inbound call to an unrouted number',
          );
          sendTwiml(response, politeHangupTwiml(SORRY_UNKNOWN_NUMBER));
          return;
        }
        if (routed.outcome === 'refused') {
          deps.logger.info(
            { callSid: CallSid, tenantId: routed.tenantId, limit: routed.limit },
            'inbound call over a tenant limit',
          );
          const sorry = routed.limit === 'tenant_suspended' ? SORRY_UNAVAILABLE : SORRY_BUSY;
          sendTwiml(response, politeHangupTwiml(sorry));
          return;
        }
        callLogger(deps.logger, routed.callId, CallSid).info(
          { direction: 'inbound' },
          'inbound call answered with a media stream',
        );
        // The TwiML carries the stream token: it is sent, never logged.
        sendTwiml(
          response,
          connectStreamTwiml({
            streamUrl: deps.streamUrl,
            callId: routed.callId,
            streamToken: mintStreamToken(deps.streamTokenSecret, routed.callId),
            streamEndedUrl: streamEndedUrl(deps.publicUrl, routed.callId),
          }),
        );
      } catch (error) {
        if (!(error instanceof DependencyUnavailableError)) throw error;
        // Twilio waits for us; a caller hears a polite message rather than an error tone.
        deps.logger.warn(
          { callSid: CallSid, dependency: error.dependency },
          'inbound call refused: dependency down',
        );
        sendTwiml(response, politeHangupTwiml(SORRY_UNAVAILABLE));
      }
    }),
  );

  router.post(
    CALL_STATUS,
    ...verified,
    route(async (request, response) => {
      const form = statusCallbackForm.safeParse(formOf(request));
      const query = statusQuery.safeParse(request.query);
      if (!form.success || !query.success) {
        response.status(400).type('text/plain').send('unexpected status callback');
        return;
      }

      const callId =
        query.data.call_id ?? (await findCallByCallSid(deps.db, form.data.CallSid))?.id;
      if (!callId) {
        deps.logger.warn({ callSid: form.data.CallSid }, 'status callback for an unknown call');
        response.status(204).end();
        return;
      }
      if (!(await reportsOnItsOwnCall(deps.db, request, callId))) {
        deps.logger.warn(
          { callSid: form.data.CallSid },
          "status callback from another tenant's account",
        );
        response.status(204).end();
        return;
      }
      const log = callLogger(deps.logger, callId, form.data.CallSid);
      log.info({ status: form.data.CallStatus }, 'call status from twilio');
      const outcome = await deps.calls.signalStatus(callId, {
        callSid: form.data.CallSid,
        status: form.data.CallStatus,
        durationSec: form.data.CallDuration,
        sequenceNumber: form.data.SequenceNumber,
        answeredBy: form.data.AnsweredBy,
        timestamp: form.data.Timestamp,
      });
      if (outcome === 'no_such_call') log.info('status callback after the call workflow closed');
      response.status(204).end();
    }),
  );

  // The call's stream ended and Twilio, still holding the call, asks what next (<Connect action>).
  // The bridge carrying it died: the call gets a new stream, on whichever bridge is alive.
  router.post(
    STREAM_ENDED,
    ...verified,
    route(async (request, response) => {
      const report = callReport(request, streamEndedForm);
      if (!report) {
        response.status(400).type('text/plain').send('unexpected stream action');
        return;
      }
      const { form, callId } = report;
      if (!(await reportsOnItsOwnCall(deps.db, request, callId))) {
        deps.logger.warn(
          { callSid: form.data.CallSid },
          "stream action from another tenant's account",
        );
        sendTwiml(response, hangupTwiml());
        return;
      }
      let recovery;
      try {
        recovery = await deps.calls.recoverStream(callId, { callSid: form.data.CallSid });
      } catch (error) {
        if (!(error instanceof DependencyUnavailableError)) throw error;
        // Without Temporal no bridge can take the call: say so rather than leave silence.
        deps.logger.warn(
          { callId, dependency: error.dependency },
          'stream lost while a dependency is down: ending the call',
        );
        sendTwiml(response, politeHangupTwiml(SORRY_UNAVAILABLE));
        return;
      }
      callLogger(deps.logger, callId, form.data.CallSid).info(
        { action: recovery.action },
        'media stream ended mid-call',
      );
      if (recovery.action === 'reconnect') {
        sendTwiml(
          response,
          connectStreamTwiml({
            streamUrl: deps.streamUrl,
            callId,
            stream: recovery.stream,
            streamToken: mintStreamToken(deps.streamTokenSecret, callId, {
              stream: recovery.stream,
            }),
            streamEndedUrl: streamEndedUrl(deps.publicUrl, callId),
          }),
        );
      } else {
        sendTwiml(response, recovery.action === 'hold' ? holdTwiml() : hangupTwiml());
      }
    }),
  );

  // Asynchronous answering machine detection: the result arrives while the call already runs.
  router.post(
    AMD_STATUS,
    ...verified,
    route(async (request, response) => {
      const report = callReport(request, machineDetectionForm);
      if (!report) {
        response.status(400).type('text/plain').send('unexpected machine detection callback');
        return;
      }
      const { form, callId } = report;
      if (!(await reportedCall(deps.db, request, callId, form.data.CallSid))) {
        deps.logger.warn(
          { callSid: form.data.CallSid },
          'machine detection for an unknown call, or from another account',
        );
        response.status(204).end();
        return;
      }
      const outcome = await deps.calls.signalMachineDetection(callId, {
        callSid: form.data.CallSid,
        answeredBy: form.data.AnsweredBy,
      });
      if (outcome === 'no_such_call') {
        callLogger(deps.logger, callId, form.data.CallSid).info(
          'machine detection after the call workflow closed',
        );
      }
      response.status(204).end();
    }),
  );

  // A handoff's <Dial> ended: tell the call workflow, and tell the caller if nobody took the call.
  router.post(
    HANDOFF_STATUS,
    ...verified,
    route(async (request, response) => {
      const report = callReport(request, dialActionForm);
      if (!report) {
        response.status(400).type('text/plain').send('unexpected dial action');
        return;
      }
      const { form, callId } = report;
      if (!(await reportedCall(deps.db, request, callId, form.data.CallSid))) {
        deps.logger.warn({ callSid: form.data.CallSid }, 'dial action for an unknown call');
        sendTwiml(response, hangupTwiml());
        return;
      }
      callLogger(deps.logger, callId, form.data.CallSid).info(
        { dialCallStatus: form.data.DialCallStatus },
        'handoff dial ended',
      );
      await deps.calls.signalHandoffDial(callId, {
        dialCallStatus: form.data.DialCallStatus,
        dialCallSid: form.data.DialCallSid,
        durationSec: form.data.DialCallDuration,
      });
      const connected =
        form.data.DialCallStatus === 'completed' || form.data.DialCallStatus === 'answered';
      sendTwiml(response, connected ? hangupTwiml() : politeHangupTwiml(HANDOFF_FAILED_MESSAGE));
    }),
  );

  return router;
}
