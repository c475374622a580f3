/**
 * Tenant operations described once: the router is mounted from the same
 * descriptions (and schemas) the public OpenAPI document is generated from.
 */
import type { Router } from 'express';
import type { z } from 'zod';
import type { Database } from '../../db/database.js';
import type { ApiKeyScope } from '../../lib/api-keys.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { requireTenantKey, tenantOf } from '../auth.js';
import { parseInput, parseQuery, route } from '../http.js';
import type { OperationDescription } from '../openapi/operation.js';
import type { CallGateway } from '../call-gateway.js';

/** What every tenant operation's handler may use. */
export interface TenantOperationDependencies {
  db: Database;
  calls: CallGateway;
  secrets: SecretBox;
  temporalUiUrl: string;
  namespace: string;
}

type Output<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;

export interface TenantOperation<
  Params extends z.ZodObject | undefined = z.ZodObject | undefined,
  Query extends z.ZodObject | undefined = z.ZodObject | undefined,
  Body extends z.ZodType | undefined = z.ZodType | undefined,
> extends OperationDescription {
  scope: ApiKeyScope;
  params?: Params;
  query?: Query;
  body?: Body;
  handle(input: {
    deps: TenantOperationDependencies;
    tenantId: string;
    params: Output<Params>;
    query: Output<Query>;
    body: Output<Body>;
  }): Promise<unknown>;
}

/** Keeps each operation's schema types for its handler, then erases them for the list. */
export function tenantOperation<
  Params extends z.ZodObject | undefined = undefined,
  Query extends z.ZodObject | undefined = undefined,
  Body extends z.ZodType | undefined = undefined,
>(operation: TenantOperation<Params, Query, Body>): TenantOperation {
  return operation;
}

export function mountTenantOperations(
  router: Router,
  deps: TenantOperationDependencies,
  operations: TenantOperation[],
): void {
  for (const operation of operations) {
    router[operation.method](
      operation.path,
      requireTenantKey(deps.db, operation.scope),
      route(async (request, response) => {
        const { tenantId } = tenantOf(request);
        const result = await operation.handle({
          deps,
          tenantId,
          params: operation.params ? parseInput(operation.params, request.params) : undefined,
          query: operation.query ? parseQuery(operation.query, request.query) : undefined,
          body: operation.body ? parseInput(operation.body, request.body ?? {}) : undefined,
        });
        response.status(operation.success.status).json(result);
      }),
    );
  }
}
