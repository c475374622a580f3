/**
 * The tenant call routes as the public document describes them. The request
 * schemas are the ones the handlers in router.ts and make-call.ts validate with.
 */
import { z } from 'zod';
import type { OperationDescription } from '../openapi/operation.js';
import {
  callAccepted,
  callDetail,
  callEvent,
  callLogPage,
  evaluation,
  functionCall,
  hangUpAccepted,
  listOf,
  transcriptTurn,
} from './response-schemas.js';
import {
  callIdParam,
  callLogQuery,
  hangUpBody,
  idempotencyKeyHeader,
  makeCallBody,
} from './schemas.js';

const tag = 'Calls';
const readErrors: OperationDescription['errors'] = [400, 401, 403, 404, 429, 503];

function readOperation(
  operationId: string,
  path: string,
  summary: string,
  schema: z.ZodType,
): OperationDescription {
  return {
    operationId,
    method: 'get',
    path,
    tag,
    summary,
    description: 'Needs the `calls:read` scope.',
    params: callIdParam,
    success: { status: 200, description: 'Found.', schema },
    errors: readErrors,
  };
}

export const callOperations: OperationDescription[] = [
  {
    operationId: 'makeCall',
    method: 'post',
    path: '/make-call',
    tag,
    summary: 'Start an outbound call',
    description:
      'Needs the `calls:write` scope. Answers 202 once the call is recorded and its workflow started. ' +
      'The same Idempotency-Key with the same body answers with the same call; with another body, 409. ' +
      'Over the tenant call limits: 429 with Retry-After. An unapproved agent version: 422.',
    body: makeCallBody,
    headers: z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional() }),
    success: { status: 202, description: 'The call was accepted.', schema: callAccepted },
    errors: [400, 401, 403, 404, 409, 422, 429, 503],
  },
  {
    operationId: 'listCallLogs',
    method: 'get',
    path: '/call-logs',
    tag,
    summary: "The tenant's calls, newest first, filtered and paged",
    description:
      'Needs the `calls:read` scope. Filters are exact and combine with AND. Pages are keyset ' +
      'pages on (created_at, id): pass `next_cursor` as `cursor` for the next one (null on the ' +
      'last); calls created while you page never repeat or shift a page. A bad filter or cursor ' +
      'is a 400 that names the field.',
    query: callLogQuery,
    success: { status: 200, description: 'A page of calls.', schema: callLogPage },
    errors: [400, 401, 403, 429, 503],
  },
  readOperation(
    'getCallLog',
    '/call-logs/:id',
    "A call's record with its transcript, tools, evaluation and events",
    callDetail,
  ),
  readOperation(
    'getCallTranscript',
    '/call-logs/:id/transcript',
    "A call's transcript, turn by turn",
    listOf(transcriptTurn),
  ),
  readOperation(
    'getCallFunctionCalls',
    '/call-logs/:id/function-calls',
    "A call's tool runs",
    listOf(functionCall),
  ),
  readOperation(
    'getCallEvaluation',
    '/call-logs/:id/evaluation',
    "A call's evaluation",
    evaluation,
  ),
  readOperation(
    'getCallEvents',
    '/call-logs/:id/events',
    "A call's event timeline",
    listOf(callEvent),
  ),
  {
    operationId: 'hangUpCall',
    method: 'post',
    path: '/calls/:id/hangup',
    tag,
    summary: 'End a live call',
    description: 'Needs the `calls:write` scope.',
    params: callIdParam,
    body: hangUpBody,
    success: { status: 202, description: 'The call is ending.', schema: hangUpAccepted },
    errors: [400, 401, 403, 404, 422, 429, 503],
  },
];
