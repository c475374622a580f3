/**
 * Request plumbing shared by every router: request ids, zod parsing that names
 * the failing fields, and the one middleware that renders the error envelope.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import {
  AppError,
  RateLimitError,
  DependencyUnavailableError,
  ValidationError,
} from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    rawBody?: Buffer;
  }
}

export const assignRequestId: RequestHandler = (request, response, next) => {
  request.requestId = newId('req');
  response.setHeader('x-request-id', request.requestId);
  next();
};

/** NUL bytes and lone surrogates: valid JSON, but no database can store them as text. */
const UNSTORABLE_TEXT =
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Deeper JSON than this is refused: nothing the API takes nests so far, and walking it is work. */
const MAX_JSON_DEPTH = 64;

/**
 * Walks the parsed body without recursion (a deeply nested body must not exhaust the stack):
 * text no database can store, and nesting past MAX_JSON_DEPTH, each named by its field.
 */
function findUnstorableInput(input: unknown): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const fieldOf = (path: string[]) => (path.length > 0 ? path.join('.') : '(body)');
  const pending: Array<{ value: unknown; path: string[] }> = [{ value: input, path: [] }];
  while (pending.length > 0) {
    const { value, path } = pending.pop() as { value: unknown; path: string[] };
    if (typeof value === 'string') {
      if (UNSTORABLE_TEXT.test(value))
        problems.push({ field: fieldOf(path), message: UNSTORABLE_MESSAGE });
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (path.length >= MAX_JSON_DEPTH) {
      problems.push({
        field: fieldOf(path.slice(0, MAX_JSON_DEPTH)),
        message: `nested more than ${MAX_JSON_DEPTH} levels deep`,
      });
      continue;
    }
    const entries = Array.isArray(value)
      ? value.map((item, index) => [String(index), item] as const)
      : Object.entries(value);
    for (const [key] of entries) {
      if (!Array.isArray(value) && UNSTORABLE_TEXT.test(key))
        problems.push({ field: [...path, key].join('.'), message: UNSTORABLE_MESSAGE });
    }
    // Pushed last first, so fields are reported in the order the body has them.
    for (const [key, item] of [...entries].reverse())
      pending.push({ value: item, path: [...path, key] });
  }
  return problems;
}

const UNSTORABLE_MESSAGE = 'contains a NUL byte or an unpaired surrogate';

function refuseUnstorableText(input: unknown): void {
  const problems = findUnstorableInput(input);
  if (problems.length > 0) throw new ValidationError(problems);
}

export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): z.output<Schema> {
  refuseUnstorableText(input);
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    parsed.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.join('.') : '(body)',
      message: issue.message,
    })),
  );
}

/** parseInput for one request header: a problem names the header. */
export function parseHeader<Schema extends z.ZodType>(
  schema: Schema,
  name: string,
  value: unknown,
): z.output<Schema> {
  try {
    return parseInput(schema, value);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.problems.map((problem) => ({ ...problem, field: `header ${name}` })),
    );
  }
}

/** parseInput for a query string: an unknown parameter is named as the failing field. */
export function parseQuery<Schema extends z.ZodType>(
  schema: Schema,
  query: unknown,
): z.output<Schema> {
  refuseUnstorableText(query);
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: key, message: 'not a known query parameter' }))
        : [{ field: issue.path.join('.') || '(query)', message: issue.message }],
    ),
  );
}

/** Wraps an async handler so a rejection reaches the error middleware. */
export function route(
  handler: (request: Request, response: Response) => Promise<void>,
): RequestHandler {
  return (request, response, next: NextFunction) => {
    handler(request, response).catch(next);
  };
}

export function errorBody(code: string, message: string, requestId: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }), requestId } };
}

export function renderErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const requestId = request.requestId ?? 'unknown';
    if (response.headersSent) {
      response.end();
      return;
    }

    if (error instanceof AppError) {
      if (error instanceof RateLimitError || error instanceof DependencyUnavailableError) {
        response.setHeader('retry-after', String(error.retryAfterSec));
      }
      if (error.status >= 500)
        logger.warn(
          {
            requestId,
            code: error.code,
            err: error.cause instanceof Error ? error.cause.message : undefined,
          },
          'dependency unavailable',
        );
      response
        .status(error.status)
        .json(errorBody(error.code, error.message, requestId, error.details));
      return;
    }

    // Body parser failures carry a status and a type; they are the client's fault.
    const parserError = error as { status?: number; type?: string };
    if (
      typeof parserError.status === 'number' &&
      parserError.status >= 400 &&
      parserError.status < 500
    ) {
      const code = parserError.type === 'entity.too.large' ? 'payload_too_large' : 'invalid_body';
      response
        .status(parserError.status)
        .json(errorBody(code, 'the request body could not be read', requestId));
      return;
    }

    logger.error({ requestId, err: error }, 'unhandled error');
    response
      .status(500)
      .json(errorBody('internal_error', 'something went wrong on our side', requestId));
  };
}

export function notFoundHandler(): RequestHandler {
  return (request, response) => {
    response.status(404).json(errorBody('not_found', 'no such route', request.requestId));
  };
}
