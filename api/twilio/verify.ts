/**
 * Twilio signature check, the first thing on every Twilio route: it reads the
 * raw body (never a parsed one, C03) and the URL as Twilio requested it,
 * rebuilt from the configured public origin (C01) without normalising (C02).
 * The token is the one of the account Twilio names in the form's AccountSid.
 */
import express, { type RequestHandler } from 'express';
import { isValidTwilioRequest, signedUrlFor } from '../../lib/twilio-signature.js';
import type { Logger } from '../../lib/logger.js';
import type { TwilioAuthTokens } from './account-tokens.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified account: a tenant's subaccount carries its tenant id. */
    twilioAccount?: { accountSid?: string; tenantId?: string };
  }
}

const MAX_WEBHOOK_BYTES = 64 * 1_024;

/** Keeps the exact bytes; Twilio posts forms, and JSON for some products. */
export const readRawBody: RequestHandler = express.raw({
  type: ['application/x-www-form-urlencoded', 'application/json'],
  limit: MAX_WEBHOOK_BYTES,
});

/** The AccountSid a form body names; JSON bodies are checked with the platform token. */
function claimedAccountSid(contentType: string | undefined, rawBody: Buffer): string | undefined {
  if ((contentType ?? '').toLowerCase().includes('application/json')) return undefined;
  return new URLSearchParams(rawBody.toString('utf8')).get('AccountSid') ?? undefined;
}

export function verifyTwilioSignature(
  publicUrl: string,
  authTokens: TwilioAuthTokens,
  logger: Logger,
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
        logger.warn(
          { path: request.path, requestId: request.requestId },
          'twilio signature rejected',
        );
        response.status(403).type('text/plain').send('invalid signature');
        return false;
      }
      request.rawBody = rawBody;
      request.twilioAccount = { accountSid: claimedAccount, tenantId: account.tenantId };
      return true;
    }
  };
}

/** The verified form parameters; only called after verifyTwilioSignature. */
export function formOf(request: { rawBody?: Buffer }): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(request.rawBody?.toString('utf8') ?? '')) {
    form[name] ??= value;
  }
  return form;
}
