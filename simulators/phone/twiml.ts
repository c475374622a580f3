/**
 * TwiML documents turned into the verbs the simulator follows. Attributes are
 * parsed through schemas, so a malformed document fails here, as it would in
 * Twilio ("document parse failure"), rather than halfway through a call.
 */
import { z } from 'zod';
import { readXml, type XmlElement } from './xml-reader.js';

export interface StreamVerb {
  url: string;
  name?: string;
  parameters: Record<string, string>;
}

export type TwimlVerb =
  | { verb: 'Connect'; action?: string; method: 'GET' | 'POST'; stream?: StreamVerb }
  | { verb: 'Say'; text: string }
  | { verb: 'Play'; url: string; loop: number }
  | { verb: 'Pause'; lengthSec: number }
  | { verb: 'Redirect'; url: string; method: 'GET' | 'POST' }
  | { verb: 'Hangup' }
  | DialVerb
  | { verb: 'Ignored'; name: string; detail: string };

/** `<Dial>` to one `<Number>` (a second leg to a party) or into a `<Conference>` room. */
export interface DialVerb {
  verb: 'Dial';
  action?: string;
  method: 'GET' | 'POST';
  timeoutSec: number;
  target: { kind: 'number'; number: string } | { kind: 'conference'; room: string };
}

/** Thrown for TwiML that Twilio would refuse to execute. */
export class TwimlError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TwimlError';
  }
}

const methodSchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(['GET', 'POST']))
  .default('POST');

const connectAttributesSchema = z.object({
  action: z.string().min(1).optional(),
  method: methodSchema,
});
const streamAttributesSchema = z.object({
  url: z.string().refine(isWebSocketUrl, 'Stream url must be an absolute ws:// or wss:// URL'),
  name: z.string().optional(),
});
const parameterAttributesSchema = z.object({ name: z.string().min(1), value: z.string() });
const playAttributesSchema = z.object({ loop: z.coerce.number().int().min(0).default(1) });
const pauseAttributesSchema = z.object({ length: z.coerce.number().int().min(0).default(1) });
const redirectAttributesSchema = z.object({ method: methodSchema });
const dialAttributesSchema = z.object({
  action: z.string().min(1).optional(),
  method: methodSchema,
  timeout: z.coerce.number().int().min(5).max(600).default(30),
});

export function parseTwiml(document: string): TwimlVerb[] {
  let root: XmlElement;
  try {
    root = readXml(document);
  } catch (error) {
    throw new TwimlError('TwiML is not well formed XML', { cause: error });
  }
  if (root.name !== 'Response')
    throw new TwimlError(`root element is <${root.name}>, not <Response>`);
  return root.children.map(readVerb);
}

function readVerb(element: XmlElement): TwimlVerb {
  switch (element.name) {
    case 'Connect':
      return readConnect(element);
    case 'Say':
      return { verb: 'Say', text: element.text };
    case 'Play': {
      const { loop } = parseAttributes(playAttributesSchema, element);
      return { verb: 'Play', url: element.text, loop };
    }
    case 'Pause':
      return { verb: 'Pause', lengthSec: parseAttributes(pauseAttributesSchema, element).length };
    case 'Redirect': {
      const { method } = parseAttributes(redirectAttributesSchema, element);
      if (element.text === '') throw new TwimlError('<Redirect> has no URL');
      return { verb: 'Redirect', url: element.text, method };
    }
    case 'Hangup':
      return { verb: 'Hangup' };
    case 'Dial':
      return readDial(element);
    default:
      return { verb: 'Ignored', name: element.name, detail: describeIgnored(element) };
  }
}

function readConnect(element: XmlElement): TwimlVerb {
  const { action, method } = parseAttributes(connectAttributesSchema, element);
  const streamElement = element.children.find((child) => child.name === 'Stream');
  if (!streamElement) return { verb: 'Connect', action, method };

  const { url, name } = parseAttributes(streamAttributesSchema, streamElement);
  const parameters: Record<string, string> = {};
  for (const child of streamElement.children) {
    if (child.name !== 'Parameter') continue;
    const parameter = parseAttributes(parameterAttributesSchema, child);
    parameters[parameter.name] = parameter.value;
  }
  return { verb: 'Connect', action, method, stream: { url, name, parameters } };
}

function readDial(element: XmlElement): TwimlVerb {
  const { action, method, timeout } = parseAttributes(dialAttributesSchema, element);
  const base = { verb: 'Dial' as const, action, method, timeoutSec: timeout };
  const conference = element.children.find((child) => child.name === 'Conference');
  if (conference) {
    if (conference.text === '') throw new TwimlError('<Conference> has no room name');
    return { ...base, target: { kind: 'conference', room: conference.text } };
  }
  const number = element.children.find((child) => child.name === 'Number')?.text ?? element.text;
  if (!/^\+[1-9]\d{6,14}$/.test(number))
    throw new TwimlError(`<Dial> has no E.164 number: ${number}`);
  return { ...base, target: { kind: 'number', number } };
}

function parseAttributes<T>(schema: z.ZodType<T>, element: XmlElement): T {
  const result = schema.safeParse(element.attributes);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new TwimlError(`invalid <${element.name}>: ${problems.join('; ')}`);
}

function describeIgnored(element: XmlElement): string {
  const nouns = element.children.map((child) => `${child.name}:${child.text}`);
  return [element.text, ...nouns].filter((part) => part !== '').join(' ');
}

function isWebSocketUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'ws:' || url.protocol === 'wss:';
  } catch {
    return false;
  }
}
