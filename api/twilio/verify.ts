/**
 * Twilio signature check, the first thing on every Twilio route: it reads the
 * raw body (never a parsed one, C03) and the URL as Twilio requested it,
 * rebuilt from the configured public origin (C01) without normalising (C02).
 */
import express, { type RequestHandler } from 'express';
import { isValidTwilioRequest, signedUrlFor } from '../../lib/twilio-signature.js';
import type { Logger } from '../../lib/logger.js';

const MAX_WEBHOOK_BYTES = 64 * 1_024;

/** Keeps the exact bytes; Twilio posts forms, and JSON for some products. */
export const readRawBody: RequestHandler = express.raw({
  type: ['application/x-www-form-urlencoded', 'application/json'],
  limit: MAX_WEBHOOK_BYTES,
});

export function verifyTwilioSignature(publicUrl: string, authToken: () => string, logger: Logger): RequestHandler {
  return (request, response, next) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const valid = isValidTwilioRequest(authToken(), {
      url: signedUrlFor(publicUrl, request.originalUrl),
      signature: request.header('x-twilio-signature'),
      contentType: request.header('content-type'),
      rawBody,
    });
    if (!valid) {
      logger.warn({ path: request.path, requestId: request.requestId }, 'twilio signature rejected');
      response.status(403).type('text/plain').send('invalid signature');
      return;
    }
    request.rawBody = rawBody;
    next();
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
