/**
 * Checks an answer against what an OpenAPI document says it is: the schema of
 * the operation's response for that status, with OpenAPI 3.0's `nullable`
 * read as JSON Schema reads null, and component references resolved. The
 * same judgment schemathesis makes, for tests that pin one of its findings.
 */
import { Ajv } from 'ajv';

type Json = unknown;

function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const result: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example') continue;
    if (key === '$ref' && typeof value === 'string') {
      result.$ref = value.replace(/^#\/components\/schemas\//, 'document#/components/schemas/');
      continue;
    }
    result[key] = toJsonSchema(value);
  }
  return (node as { nullable?: unknown }).nullable === true
    ? { anyOf: [result, { type: 'null' }] }
    : result;
}

export interface DocumentedAnswers {
  /** Problems with `body` as the answer of `method path` with `status`; empty when it conforms. */
  problems(method: string, path: string, status: number, body: unknown): string[];
}

export function documentedAnswers(document: {
  paths?: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, unknown> };
}): DocumentedAnswers {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({
    $id: 'document',
    components: { schemas: toJsonSchema(document.components?.schemas ?? {}) },
  });
  return {
    problems(method, path, status, body) {
      const response = document.paths?.[path]?.[method.toLowerCase()]?.responses?.[String(status)];
      if (!response) return [`${method} ${path} does not document ${status}`];
      const schema = response.content?.['application/json']?.schema;
      if (!schema) return [];
      const validate = ajv.compile(toJsonSchema(schema) as object);
      if (validate(body)) return [];
      return (validate.errors ?? []).map(
        (error) => `${error.instancePath || '(body)'} ${error.message ?? ''}`,
      );
    },
  };
}
