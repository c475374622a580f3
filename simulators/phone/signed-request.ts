/**
 * Requests the simulator makes to the product, signed as Twilio signs them:
 * a form-encoded POST signed over the URL and its parameters, or a GET whose
 * parameters join the query string and are signed as part of the URL.
 *
 * The URL goes on the wire exactly as written (fetch would re-encode a query
 * such as `?label=Bay'View`), because the signature covers it byte for byte.
 */
import { request as requestHttp, type IncomingMessage } from 'node:http';
import { request as requestHttps } from 'node:https';
import { computeTwilioSignature } from './signature.js';

/** Twilio gives a webhook 15 s to answer. */
const WEBHOOK_TIMEOUT_MS = 15_000;

export interface SignedRequest {
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  authToken: string;
  signal?: AbortSignal;
}

export interface SignedResponse {
  httpStatus: number | null;
  body: string;
  error?: string;
}

export async function sendSignedRequest(request: SignedRequest): Promise<SignedResponse> {
  const form = new URLSearchParams(request.params).toString();
  const isGet = request.method === 'GET';
  const url = isGet ? appendQuery(request.url, form) : request.url;
  const signature = computeTwilioSignature(request.authToken, url, isGet ? {} : request.params);
  const headers: Record<string, string> = {
    'X-Twilio-Signature': signature,
    'User-Agent': 'TwilioProxy/1.1',
    Accept: '*/*',
  };
  if (!isGet) headers['Content-Type'] = 'application/x-www-form-urlencoded';

  try {
    const response = await sendRaw(url, request.method, headers, isGet ? '' : form, request.signal);
    return { httpStatus: response.statusCode ?? null, body: await readText(response) };
  } catch (error) {
    return {
      httpStatus: null,
      body: '',
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

function sendRaw(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const parsed = new URL(url);
  const send = parsed.protocol === 'https:' ? requestHttps : requestHttp;
  const timeout = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    const outgoing = send(
      {
        protocol: parsed.protocol,
        hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
        port: parsed.port,
        method,
        path: rawPathOf(url),
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The path and query as written in the URL, not re-encoded. */
function rawPathOf(url: string): string {
  let pathStart = url.indexOf('//') + 2;
  while (pathStart < url.length && !'/?#'.includes(url.charAt(pathStart))) pathStart += 1;
  const hashIndex = url.indexOf('#', pathStart);
  const path = url.slice(pathStart, hashIndex === -1 ? undefined : hashIndex);
  if (path === '') return '/';
  return path.startsWith('?') ? `/${path}` : path;
}

function appendQuery(url: string, query: string): string {
  if (query === '') return url;
  return url + (url.includes('?') ? '&' : '?') + query;
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
