/**
 * zod-to-openapi writes a nullable reference to a registered schema as
 * `allOf: [{ $ref }, { nullable: true }]`. In OpenAPI 3.0 `nullable` only
 * qualifies the schema object it sits in, so that form still forbids null:
 * the documents said `previous_rollout` is never null while the API answers
 * null. The usual 3.0 spelling, `{ allOf: [{ $ref }], nullable: true }`, says
 * what the API does; this rewrites every such reference in a document.
 */
function isNullableMarker(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    (value as { nullable?: unknown }).nullable === true
  );
}

export function hoistNullableReferences<T>(node: T): T {
  if (Array.isArray(node)) return node.map(hoistNullableReferences) as T;
  if (typeof node !== 'object' || node === null) return node;

  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) result[key] = hoistNullableReferences(value);
  const allOf = result.allOf;
  if (Array.isArray(allOf) && allOf.some(isNullableMarker)) {
    result.allOf = allOf.filter((part) => !isNullableMarker(part));
    result.nullable = true;
  }
  return result as T;
}
