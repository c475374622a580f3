/**
 * The form bodies the twilio client posts, as schemas. Field names are
 * Twilio's (PascalCase); each problem maps to the error code Twilio answers.
 */
import { z } from 'zod';

const STATUS_CALLBACK_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;

const methodSchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(['GET', 'POST']))
  .default('POST');

const webUrlSchema = z.url({ protocol: /^https?$/ });

/** Accepts the repeated form the twilio client sends and a space-separated one. */
const statusCallbackEventsSchema = z
  .array(z.string())
  .default([])
  .transform((values) => values.flatMap((value) => value.split(' ')).filter(Boolean))
  .pipe(z.array(z.enum(STATUS_CALLBACK_EVENTS)));

export const createCallFormSchema = z
  .object({
    To: z.string().min(1),
    From: z.string().min(1),
    Url: webUrlSchema.optional(),
    Twiml: z.string().min(1).optional(),
    Method: methodSchema,
    StatusCallback: webUrlSchema.optional(),
    StatusCallbackEvent: statusCallbackEventsSchema,
    StatusCallbackMethod: methodSchema,
    MachineDetection: z.enum(['Enable', 'DetectMessageEnd']).optional(),
    AsyncAmd: z.enum(['true', 'false']).default('false'),
    AsyncAmdStatusCallback: webUrlSchema.optional(),
    AsyncAmdStatusCallbackMethod: methodSchema,
    Timeout: z.coerce.number().int().min(1).max(600).default(60),
  })
  .refine((form) => form.Url !== undefined || form.Twiml !== undefined, {
    path: ['Url'],
    message: 'Url or Twiml is required',
  });
export type CreateCallForm = z.infer<typeof createCallFormSchema>;

export const updateCallFormSchema = z
  .object({
    Status: z.enum(['completed', 'canceled']).optional(),
    Url: webUrlSchema.optional(),
    Twiml: z.string().min(1).optional(),
    Method: methodSchema,
  })
  .refine((form) => [form.Status, form.Url, form.Twiml].some((value) => value !== undefined), {
    path: ['Status'],
    message: 'one of Status, Url or Twiml is required',
  });
export type UpdateCallForm = z.infer<typeof updateCallFormSchema>;

const REPEATABLE_FIELDS = new Set(['StatusCallbackEvent']);

/** Form fields as a record: repeatable fields as arrays, others as their last value. */
export function readForm(body: string): Record<string, string | string[]> {
  const form = new URLSearchParams(body);
  const record: Record<string, string | string[]> = {};
  for (const name of new Set(form.keys())) {
    const values = form.getAll(name);
    record[name] = REPEATABLE_FIELDS.has(name) ? values : (values.at(-1) ?? '');
  }
  return record;
}

const ERROR_CODE_BY_FIELD: Record<string, { code: number; message: string }> = {
  To: { code: 21201, message: "No 'To' number is specified" },
  From: { code: 21603, message: "A 'From' phone number is required." },
  Url: { code: 21205, message: 'Url parameter is required and must be a valid URL.' },
  StatusCallback: { code: 21609, message: 'Invalid StatusCallback url.' },
};

/** Twilio answers the first problem it finds, with a code for that field. */
export function describeFormError(error: z.ZodError): { code: number; message: string } {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? '');
  return (
    ERROR_CODE_BY_FIELD[field] ?? {
      code: 20001,
      message: `Invalid parameter ${field}: ${issue?.message}`,
    }
  );
}
