/**
 * Twilio request validation, done over exactly what Twilio signed: the URL as
 * requested (public origin from configuration plus the path and query as
 * received, never rebuilt) and the raw body's parameters. See cases C01-C05.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Joins the public origin with the request's original path and query, byte for byte. */
export function signedUrlFor(publicOrigin: string, originalUrl: string): string {
  return `${publicOrigin.replace(/\/+$/, '')}${originalUrl}`;
}

/** Parameters of a form body, as Twilio hashes them: names sorted, repeated values sorted. */
export function formParameters(rawBody: string): Map<string, string[]> {
  const parameters = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawBody)) {
    const values = parameters.get(name) ?? [];
    values.push(value);
    parameters.set(name, values);
  }
  return parameters;
}

export function computeSignature(
  authToken: string,
  url: string,
  parameters: Map<string, string[]> = new Map(),
): string {
  let payload = url;
  for (const name of [...parameters.keys()].sort()) {
    for (const value of [...(parameters.get(name) ?? [])].sort()) payload += name + value;
  }
  return createHmac('sha1', authToken).update(payload, 'utf8').digest('base64');
}

function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SignedRequest {
  url: string;
  signature: string | undefined;
  contentType: string | undefined;
  rawBody: Buffer;
}

/**
 * True when the request carries a valid signature for this token. Form bodies
 * are hashed as parameters; JSON bodies are checked through the `bodySHA256`
 * query parameter, which must match the raw bytes.
 */
export function isValidTwilioRequest(authToken: string, request: SignedRequest): boolean {
  if (!request.signature) return false;

  const isJson = request.contentType?.toLowerCase().includes('application/json') ?? false;
  if (isJson) {
    const declared = bodyHashFromUrl(request.url);
    if (!declared) return false;
    const actual = createHash('sha256').update(request.rawBody).digest('hex');
    if (!safeEqual(actual, declared.toLowerCase())) return false;
    return safeEqual(computeSignature(authToken, request.url), request.signature);
  }

  const parameters = formParameters(request.rawBody.toString('utf8'));
  return safeEqual(computeSignature(authToken, request.url, parameters), request.signature);
}

function bodyHashFromUrl(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('bodySHA256') ?? undefined;
}
