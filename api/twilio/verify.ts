/**
 * Twilio signature check, the first thing on every Twilio route: it reads the
 * raw body (never a parsed one, C03) and the URL as Twilio requested it,
 * rebuilt from the configured public origin (C01) without normalising (C02).
 * The token is the one of the account Twilio names in the form's AccountSid.
 * Before any of that, what can be refused unread is: a request with no
 * signature at all (403), and a body larger than any Twilio sends (413).
 */
import express, { type RequestHandler, type Response } from 'express';
import { isValidTwilioRequest, signedUrlFor } from '../../lib/twilio-signature.js';
import type { Logger } from '../../lib/logger.js';
import { throttledWarning, type ThrottledWarning } from '../../lib/throttled-warning.js';
import { politeHangupTwiml } from '../../lib/twiml.js';
import { refuseDeclaredOversize } from '../body-limit.js';
import type { TwilioAuthTokens } from './account-tokens.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified account: a tenant's subaccount carries its tenant id. */
    twilioAccount?: { accountSid?: string; tenantId?: string };
  }
}

export interface TwilioWebhookGuardOptions {
  publicUrl: string;
  authTokens: TwilioAuthTokens;
  logger: Logger;
  /** Twilio's webhooks are a few KiB; anything past this is not one of them. */
  maxBodyBytes: number;
}

const UNREADABLE_BODY_MESSAGE = 'Sorry, we cannot take your call right now. Goodbye.';

/** The guards every Twilio route runs, in order, before its handler. */
export function twilioWebhookGuards(options: TwilioWebhookGuardOptions): RequestHandler[] {
  // Refusals are what a flood is made of: each kind is logged once per interval, with a count.
  const warnBody = throttledWarning(options.logger, 'twilio webhook body refused');
  return [
    refuseUnsigned(throttledWarning(options.logger, 'twilio signature missing')),
    refuseDeclaredOversize(options.maxBodyBytes, (response) =>
      refuseUnreadableBody(response, 413, warnBody),
    ),
    readRawBody(options.maxBodyBytes, warnBody),
    verifyTwilioSignature(
      options.publicUrl,
      options.authTokens,
      throttledWarning(options.logger, 'twilio signature rejected'),
    ),
  ];
}

/** No signature header: nothing to verify, so the body is not read at all. */
function refuseUnsigned(warn: ThrottledWarning): RequestHandler {
  return (request, response, next) => {
    if (request.header('x-twilio-signature')) {
      next();
      return;
    }
    warn({ path: request.path, requestId: request.requestId });
    response.setHeader('connection', 'close');
    response.status(403).type('text/plain').send('invalid signature');
  };
}

/** A body that could not be read (too large, a bad encoding) gets polite TwiML, never a crash. */
function refuseUnreadableBody(response: Response, status: number, warn: ThrottledWarning): void {
  warn({ status, path: response.req.path, requestId: response.req.requestId });
  response.status(status).type('text/xml').send(politeHangupTwiml(UNREADABLE_BODY_MESSAGE));
}

/** Keeps the exact bytes; Twilio posts forms, and JSON for some products. */
function readRawBody(maxBytes: number, warn: ThrottledWarning): RequestHandler {
  const read = express.raw({
    type: ['application/x-www-form-urlencoded', 'application/json'],
    limit: maxBytes,
  });
  return (request, response, next) => {
    read(request, response, (error?: unknown) => {
      if (error === undefined) {
        next();
        return;
      }
      const status = (error as { status?: unknown }).status;
      const clientStatus = typeof status === 'number' && status >= 400 && status < 500;
      refuseUnreadableBody(response, clientStatus ? status : 400, warn);
    });
  };
}

/** The AccountSid a form body names; JSON bodies are checked with the platform token. */
function claimedAccountSid(contentType: string | undefined, rawBody: Buffer): string | undefined {
  if ((contentType ?? '').toLowerCase().includes('application/json')) return undefined;
  return new URLSearchParams(rawBody.toString('utf8')).get('AccountSid') ?? undefined;
}

function verifyTwilioSignature(
  publicUrl: string,
  authTokens: TwilioAuthTokens,
  warn: ThrottledWarning,
): RequestHandler {
  return (request, response, next) => {
    verify().then((verified) => {
      if (verified) next();
    }, next);

    async function verify(): Promise<boolean> {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // Read before verification only to choose the token; trusted only once it verifies.
      const claimedAccount = claimedAccountSid(request.header('content-type'), rawBody);
      const account = await authTokens(claimedAccount);
      const valid = isValidTwilioRequest(account.authToken, {
        url: signedUrlFor(publicUrl, request.originalUrl),
        signature: request.header('x-twilio-signature'),
        contentType: request.header('content-type'),
        rawBody,
      });
      if (!valid) {
        warn({ path: request.path, requestId: request.requestId });
        response.status(403).type('text/plain').send('invalid signature');
        return false;
      }
      request.rawBody = rawBody;
      request.twilioAccount = { accountSid: claimedAccount, tenantId: account.tenantId };
      return true;
    }
  };
}

/**
 * The verified form parameters. A name Twilio sends once but that arrives
 * repeated keeps all its values (an array), so the route's schema refuses it
 * instead of picking one. Only called after the signature is verified.
 */
export function formOf(request: { rawBody?: Buffer }): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(request.rawBody?.toString('utf8') ?? '')) {
    const seen = form[name];
    if (seen === undefined) form[name] = value;
    else form[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return form;
}
