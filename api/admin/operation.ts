/**
 * Admin operations: an OperationDescription plus its handler. The router is
 * mounted from these, parsing params, query and body with the same schemas
 * the admin OpenAPI document is generated from.
 */
import type { Router } from 'express';
import type { z } from 'zod';
import { ValidationError, type FieldProblem } from '../../lib/errors.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { parseInput, parseQuery, route } from '../http.js';
import type { OperationDescription } from '../openapi/operation.js';
import { actorHeader } from './common.js';
import type { GovernanceContext } from './context.js';

export const ADMIN_BASE_PATH = '/api/v1/admin';

type Output<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;

export interface AdminOperationInput<Params, Query, Body> {
  params: Output<Params>;
  query: Output<Query>;
  body: Output<Body>;
  context: GovernanceContext;
}

export interface AdminOperation<
  Params extends z.ZodObject | undefined = z.ZodObject | undefined,
  Query extends z.ZodObject | undefined = z.ZodObject | undefined,
  Body extends z.ZodType | undefined = z.ZodType | undefined,
> extends OperationDescription {
  params?: Params;
  query?: Query;
  body?: Body;
  handle(input: AdminOperationInput<Params, Query, Body>): Promise<unknown>;
}

/** Keeps each operation's schema types for its handler, then erases them for the list. */
export function adminOperation<
  Params extends z.ZodObject | undefined = undefined,
  Query extends z.ZodObject | undefined = undefined,
  Body extends z.ZodType | undefined = undefined,
>(operation: AdminOperation<Params, Query, Body>): AdminOperation {
  const isMutation = operation.method !== 'get';
  return {
    ...operation,
    headers: isMutation ? actorHeader : undefined,
  };
}

export interface AdminRouterDependencies {
  db: Database;
  secrets: SecretBox;
  logger: Logger;
}

/** Parses every part of a request, so one answer names every failing field. */
function collectProblems() {
  const problems: FieldProblem[] = [];
  function parse<Schema extends z.ZodType>(
    schema: Schema,
    value: unknown,
    parser: typeof parseInput = parseInput,
  ): z.output<Schema> | undefined {
    try {
      return parser(schema, value);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  }
  return { parse, problems };
}

export function mountAdminOperations(
  router: Router,
  operations: AdminOperation[],
  deps: AdminRouterDependencies,
): void {
  for (const operation of operations) {
    router[operation.method](
      operation.path,
      route(async (request, response) => {
        const isMutation = operation.method !== 'get';
        const { parse, problems } = collectProblems();
        const headers = isMutation
          ? parse(actorHeader, { 'x-admin-actor': request.header('x-admin-actor') })
          : undefined;
        const input = {
          params: operation.params ? parse(operation.params, request.params) : undefined,
          query: operation.query ? parse(operation.query, request.query, parseQuery) : undefined,
          body: operation.body ? parse(operation.body, request.body ?? {}) : undefined,
        };
        if (problems.length > 0) throw new ValidationError(problems);
        const context: GovernanceContext = {
          db: deps.db,
          secrets: deps.secrets,
          requestId: request.requestId,
          actor: {
            name: headers?.['x-admin-actor'] ?? 'reader',
            key: request.adminKey ?? 'unknown',
          },
        };

        const result = await operation.handle({ ...input, context });

        if (isMutation) {
          deps.logger.info(
            {
              requestId: request.requestId,
              operation: operation.operationId,
              actorKey: context.actor.key,
            },
            'admin action',
          );
        }
        if (operation.success.status === 204) response.status(204).end();
        else response.status(operation.success.status).json(result);
      }),
    );
  }
}
