/**
 * The slice of Twilio's REST API the product's twilio client calls: create,
 * update and fetch a call, behind HTTP Basic auth, answering with Twilio's
 * resource and error bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { API_VERSION } from './call-params.js';
import { renderCallResource, renderTwilioError } from './call-resource.js';
import type { CallUpdate } from './call-session.js';
import * as schemas from './rest-schemas.js';
import type { SimulatedCall } from './types.js';

/** Twilio refuses TwiML over 4 000 characters; anything this large is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

export interface RestApiDeps {
  accounts: Record<string, string>;
  createCall(accountSid: string, form: schemas.CreateCallForm): SimulatedCall;
  findCall(accountSid: string, callSid: string): SimulatedCall | undefined;
  /** False when a redirect reaches a call that has already ended. */
  updateCall(callSid: string, update: CallUpdate): boolean;
  logger: Logger;
}

type Route =
  | { kind: 'calls'; accountSid: string }
  | { kind: 'call'; accountSid: string; callSid: string }
  | { kind: 'unknown' };

class HttpError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function createRestHandler(deps: RestApiDeps) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    handleRequest(deps, request)
      .then(({ httpStatus, body }) => sendJson(response, httpStatus, body))
      .catch((error: unknown) => {
        if (error instanceof HttpError) {
          sendJson(
            response,
            error.httpStatus,
            renderTwilioError(error.httpStatus, error.code, error.message),
          );
          return;
        }
        deps.logger.error({ err: String(error) }, 'phone simulator request failed');
        sendJson(response, 500, renderTwilioError(500, 20500, 'Internal Server Error'));
      });
  };
}

async function handleRequest(deps: RestApiDeps, request: IncomingMessage) {
  const route = matchRoute(request.url ?? '/');
  if (route.kind === 'unknown') throw notFound();
  authenticate(deps.accounts, request, route.accountSid);

  const method = request.method ?? 'GET';
  if (route.kind === 'calls' && method === 'POST') {
    const form = parseForm(schemas.createCallFormSchema, await readBody(request));
    return { httpStatus: 201, body: renderCallResource(deps.createCall(route.accountSid, form)) };
  }
  if (route.kind !== 'call' || (method !== 'GET' && method !== 'POST')) throw notFound();

  const call = deps.findCall(route.accountSid, route.callSid);
  if (!call) throw notFound();
  if (method === 'POST') {
    const form = parseForm(schemas.updateCallFormSchema, await readBody(request));
    if (!deps.updateCall(call.sid, toCallUpdate(form))) {
      throw new HttpError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    }
  }
  return { httpStatus: 200, body: renderCallResource(call) };
}

function toCallUpdate(form: schemas.UpdateCallForm): CallUpdate {
  if (form.Twiml !== undefined) {
    return { twiml: { kind: 'inline', document: form.Twiml, origin: 'update' } };
  }
  if (form.Url !== undefined) {
    return { twiml: { kind: 'url', url: form.Url, method: form.Method, purpose: 'voice' } };
  }
  return { status: form.Status ?? 'completed' };
}

function matchRoute(rawUrl: string): Route {
  const path = new URL(rawUrl, 'http://localhost').pathname;
  const [empty, version, accounts, accountSid, calls, callFile] = path.split('/');
  if (empty !== '' || version !== API_VERSION || accounts !== 'Accounts' || !accountSid) {
    return { kind: 'unknown' };
  }
  if (calls === 'Calls.json' && callFile === undefined) return { kind: 'calls', accountSid };
  if (calls === 'Calls' && callFile?.endsWith('.json')) {
    return { kind: 'call', accountSid, callSid: callFile.slice(0, -'.json'.length) };
  }
  return { kind: 'unknown' };
}

function authenticate(
  accounts: Record<string, string>,
  request: IncomingMessage,
  accountSid: string,
) {
  const header = request.headers.authorization ?? '';
  const [scheme, encoded] = header.split(' ');
  const decoded =
    scheme === 'Basic' && encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
  const separator = decoded.indexOf(':');
  const username = decoded.slice(0, separator);
  const password = decoded.slice(separator + 1);
  if (separator === -1 || !Object.hasOwn(accounts, username) || accounts[username] !== password) {
    throw new HttpError(401, 20003, 'Authenticate');
  }
  // Another account's resources are invisible rather than forbidden, as in Twilio.
  if (username !== accountSid) throw notFound();
}

function parseForm<T>(schema: z.ZodType<T>, body: string): T {
  const result = schema.safeParse(schemas.readForm(body));
  if (result.success) return result.data;
  const { code, message } = schemas.describeFormError(result.error);
  throw new HttpError(400, code, message);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let totalBytes = 0;
  for await (const chunk of request) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    totalBytes += bytes.length;
    if (totalBytes > MAX_BODY_BYTES) throw new HttpError(413, 20001, 'Request body too large');
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function notFound(): HttpError {
  return new HttpError(404, 20404, 'The requested resource was not found');
}

function sendJson(response: ServerResponse, httpStatus: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(httpStatus, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}
