/**
 * One description per HTTP operation: its path, the zod schemas that validate
 * its input, and its answers. The OpenAPI documents are generated from these
 * descriptions, and the admin routes are mounted from them, so the documents
 * and the validation cannot disagree.
 */
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface OperationDescription {
  operationId: string;
  method: HttpMethod;
  /** Express syntax (`:name` parameters), relative to the document's base path. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  headers?: z.ZodObject;
  success: { status: number; description: string; schema?: z.ZodType };
  /** Error statuses this operation may answer, each with the common envelope. */
  errors: ErrorStatus[];
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 422 | 429 | 503;

export const errorEnvelope = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'invalid_request' }),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .meta({ id: 'Error', description: 'The one error shape every route answers with.' });

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Invalid input; `details` names every failing field.',
  401: 'Missing, unknown, expired or revoked credential.',
  403: 'A credential of the wrong kind or without the scope.',
  404: 'Not found, including resources of another tenant.',
  409: 'Conflicts with the current state.',
  422: 'Valid input refused by a business rule.',
  429: 'Over a limit; retry after `Retry-After` seconds.',
  503: 'A dependency is down; retry after `Retry-After` seconds.',
};

const retryAfterHeader = z.object({
  'Retry-After': z.string().meta({ description: 'Seconds to wait before retrying.' }),
});

/** `/tenants/:tenant_id` becomes `/tenants/{tenant_id}`. */
export function openApiPath(basePath: string, path: string): string {
  return `${basePath}${path}`.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function registerOperation(
  registry: OpenAPIRegistry,
  basePath: string,
  operation: OperationDescription,
  security: Array<Record<string, string[]>>,
): void {
  const responses: Record<string, ResponseConfig> = {
    [operation.success.status]: {
      description: operation.success.description,
      ...(operation.success.schema
        ? { content: { 'application/json': { schema: operation.success.schema } } }
        : {}),
    },
  };
  for (const status of operation.errors) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status],
      ...(status === 429 || status === 503 ? { headers: retryAfterHeader } : {}),
      content: { 'application/json': { schema: errorEnvelope } },
    };
  }

  registry.registerPath({
    method: operation.method,
    path: openApiPath(basePath, operation.path),
    operationId: operation.operationId,
    summary: operation.summary,
    description: operation.description,
    tags: [operation.tag],
    security,
    request: {
      params: operation.params,
      query: operation.query,
      headers: operation.headers,
      ...(operation.body
        ? {
            body: {
              // A body whose every field is optional may be left out entirely.
              required: !operation.body.safeParse({}).success,
              content: { 'application/json': { schema: operation.body } },
            },
          }
        : {}),
    },
    responses,
  });
}
