import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { mountedRoutes } from '../support/mounted-routes.js';

let harness: ApiHarness;
let documents: { public: any; admin: any };

before(async () => {
  harness = await startApiHarness();
  documents = {
    public: (await harness.request('GET', '/api-docs/public.json')).body,
    admin: (await harness.request('GET', '/api-docs/admin.json')).body,
  };
});
after(() => harness.stop());

/** Routes that belong in neither document: Twilio's webhooks, health, metrics and the docs themselves. */
const UNDOCUMENTED = [
  /^\/api\/v1\/(incoming-call|call-status|amd-status|handoff-status|stream-ended)$/,
  /^\/health\//,
  /^\/metrics$/,
  /^\/docs$/,
  /^\/api-docs\/(public|admin)\.json$/,
];

function operationsOf(document: any): Set<string> {
  const operations = new Set<string>();
  for (const [path, item] of Object.entries<Record<string, unknown>>(document.paths)) {
    for (const method of Object.keys(item)) operations.add(`${method.toUpperCase()} ${path}`);
  }
  return operations;
}

test('both documents validate as OpenAPI 3 documents', async () => {
  for (const [name, document] of Object.entries(documents)) {
    const copy = structuredClone(document);
    await assert.doesNotReject(SwaggerParser.validate(copy), `${name} document is invalid`);
    assert.match(document.openapi, /^3\./);
  }
});

test('every mounted route is in exactly one document, or is Twilio, health, metrics or docs', () => {
  const publicOperations = operationsOf(documents.public);
  const adminOperations = operationsOf(documents.admin);
  const mounted = mountedRoutes(harness.app);
  const seen = new Set(mounted.map((route) => `${route.method.toUpperCase()} ${route.path}`));
  for (const expected of [
    'POST /api/v1/make-call',
    'POST /api/v1/incoming-call',
    'GET /docs',
    'GET /health/ready',
  ]) {
    assert.ok(seen.has(expected), `the route walk missed ${expected}`);
  }

  const mountedOperations = new Set<string>();
  for (const route of mounted) {
    const documented = `${route.method.toUpperCase()} ${route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
    mountedOperations.add(documented);
    const places =
      Number(publicOperations.has(documented)) + Number(adminOperations.has(documented));
    if (UNDOCUMENTED.some((pattern) => pattern.test(route.path))) {
      assert.equal(places, 0, `${documented} should be in neither document`);
    } else {
      assert.equal(places, 1, `${documented} is in ${places} documents`);
    }
  }
  for (const operation of [...publicOperations, ...adminOperations]) {
    assert.ok(mountedOperations.has(operation), `${operation} is documented but not mounted`);
  }
});

test('the public document holds only tenant routes and the admin document only admin routes', () => {
  for (const path of Object.keys(documents.public.paths)) {
    assert.ok(path.startsWith('/api/v1/') && !path.startsWith('/api/v1/admin'), path);
  }
  for (const path of Object.keys(documents.admin.paths))
    assert.ok(path.startsWith('/api/v1/admin/'), path);
  assert.deepEqual(Object.keys(documents.public.components.securitySchemes), ['tenantKey']);
  assert.deepEqual(Object.keys(documents.admin.components.securitySchemes), ['adminKey']);
});

test('the make-call operation documents the schema that validates it', () => {
  const operation = documents.public.paths['/api/v1/make-call'].post;
  assert.equal(operation.operationId, 'makeCall');
  const schema = documents.public.components.schemas.MakeCallRequest;
  assert.deepEqual(schema.required, ['to', 'from']);
  assert.equal(schema.additionalProperties, false);
  assert.ok(operation.responses['202'] && operation.responses['422'] && operation.responses['429']);
  assert.ok(
    operation.parameters.some(
      (parameter: { name: string }) => parameter.name === 'Idempotency-Key',
    ),
  );
});

test('the call-log list documents every filter, the page parameters and the page it answers', () => {
  const operation = documents.public.paths['/api/v1/call-logs'].get;
  assert.equal(operation.operationId, 'listCallLogs');
  const parameters = new Map<string, { in: string; schema: any }>(
    operation.parameters.map((parameter: { name: string; in: string; schema: any }) => [
      parameter.name,
      parameter,
    ]),
  );
  assert.deepEqual([...parameters.keys()].sort(), [
    'agent_id',
    'agent_version_id',
    'created_after',
    'created_before',
    'cursor',
    'direction',
    'escalated',
    'from',
    'limit',
    'outcome',
    'status',
    'to',
  ]);
  for (const parameter of parameters.values()) assert.equal(parameter.in, 'query');
  assert.deepEqual(parameters.get('escalated')?.schema.enum, ['true', 'false']);
  assert.equal(parameters.get('limit')?.schema.maximum, 100);
  assert.equal(parameters.get('limit')?.schema.default, 25);
  assert.ok(parameters.get('status')?.schema.enum.includes('in-progress'));

  const page = documents.public.components.schemas.CallLogPage;
  assert.deepEqual(Object.keys(page.properties).sort(), ['data', 'next_cursor']);
  assert.equal(page.properties.data.items.$ref, '#/components/schemas/CallLog');
  assert.ok(operation.responses['200'] && operation.responses['400']);
});
