/**
 * The JSON Schemas a tenant declares for a webhook tool (its arguments and its
 * answer), turned into zod validators once and cached. A schema that cannot be
 * compiled fails closed: the tool does not run.
 */
import { z } from 'zod';

const compiled = new Map<string, z.ZodType | Error>();
/** Versions are few; the cache only needs to outlive one call's worth of tool runs. */
const MAX_CACHED_SCHEMAS = 500;

export type SchemaCheck = { ok: true } | { ok: false; problems: string[] };

export function checkAgainstSchema(schema: Record<string, unknown>, value: unknown): SchemaCheck {
  const validator = compile(schema);
  if (validator instanceof Error)
    return { ok: false, problems: [`the declared schema is unusable: ${validator.message}`] };
  const parsed = validator.safeParse(value);
  if (parsed.success) return { ok: true };
  return { ok: false, problems: parsed.error.issues.map(describeIssue) };
}

function compile(schema: Record<string, unknown>): z.ZodType | Error {
  const key = JSON.stringify(schema);
  let validator = compiled.get(key);
  if (!validator) {
    try {
      validator = z.fromJSONSchema(schema);
    } catch (error) {
      validator = error instanceof Error ? error : new Error(String(error));
    }
    if (compiled.size >= MAX_CACHED_SCHEMAS) compiled.clear();
    compiled.set(key, validator);
  }
  return validator;
}

/** "order_id: Invalid input: expected string", or the message alone at the top level. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
