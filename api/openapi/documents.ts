/**
 * The two OpenAPI documents: public (tenant runtime routes, bearer keys) and
 * admin (platform routes, the admin key). Generated from the operation
 * descriptions, whose schemas are the ones that validate each request.
 */
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { ADMIN_BASE_PATH } from '../admin/operation.js';
import { adminOperations } from '../admin/operations.js';
import { callOperations } from '../calls/openapi.js';
import { notificationOperations } from '../notifications/operations.js';
import { operatorOperations } from '../operator/operations.js';
import { voiceSessionOperations } from '../voice-sessions/operations.js';
import { hoistNullableReferences } from './nullable-references.js';
import { registerOperation, type OperationDescription } from './operation.js';

export const PUBLIC_BASE_PATH = '/api/v1';
const VERSION = '1.0.0';

export type OpenAPIObject = ReturnType<OpenApiGeneratorV3['generateDocument']>;

type SecurityScheme =
  | { type: 'http'; scheme: 'bearer'; description: string }
  | { type: 'apiKey'; in: 'header'; name: string; description: string };

export interface ApiDocuments {
  public: OpenAPIObject;
  admin: OpenAPIObject;
}

/** Tenant runtime operations; a new tenant route is added here or the route test fails. */
export const publicOperations: OperationDescription[] = [
  ...callOperations,
  ...operatorOperations,
  ...notificationOperations,
  ...voiceSessionOperations,
];

function generate(
  operations: OperationDescription[],
  basePath: string,
  scheme: { name: string; definition: SecurityScheme },
  info: { title: string; description: string },
  serverUrl: string,
): OpenAPIObject {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', scheme.name, scheme.definition);
  for (const operation of operations)
    registerOperation(registry, basePath, operation, [{ [scheme.name]: [] }]);
  const document = new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: info.title, version: VERSION, description: info.description },
    servers: [{ url: serverUrl }],
  });
  return hoistNullableReferences(document);
}

export function buildApiDocuments(serverUrl: string): ApiDocuments {
  return {
    public: generate(
      publicOperations,
      PUBLIC_BASE_PATH,
      {
        name: 'tenantKey',
        definition: {
          type: 'http',
          scheme: 'bearer',
          description: 'A tenant API key: ssv_<prefix>_<secret>.',
        },
      },
      {
        title: 'StateSet Voice API',
        description:
          'Start calls and read their records. Authenticate with a tenant key as a bearer token.',
      },
      serverUrl,
    ),
    admin: generate(
      adminOperations,
      ADMIN_BASE_PATH,
      {
        name: 'adminKey',
        definition: {
          type: 'apiKey',
          in: 'header',
          name: 'x-admin-key',
          description: 'The platform admin key.',
        },
      },
      {
        title: 'StateSet Voice admin API',
        description:
          'Tenants, keys, agents, versions and approvals, phone routes and rollout, credentials, audit log. ' +
          'Send the platform admin key in x-admin-key and who is acting in x-admin-actor.',
      },
      serverUrl,
    ),
  };
}
