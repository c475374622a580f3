/**
 * Tool runs. Built-ins act on the call; tenant tools are signed HTTPS webhooks
 * with a timeout, an idempotency key and a capped, validated response.
 */
import { ApplicationFailure } from '@temporalio/common';
import { findCredential } from '../db/credentials.js';
import type { Database } from '../db/database.js';
import { refuseOutboundUrl } from '../lib/outbound-url.js';
import type { SecretBox } from '../lib/secret-box.js';
import { signWebhook, SIGNATURE_HEADER } from '../lib/webhook-signature.js';
import { heartbeatWhile } from './heartbeat.js';
import { checkAgainstSchema } from './tool-schemas.js';
import type { ToolDefinition, ToolResult } from '../workflows/types.js';
import type { WorkerMetrics } from './metrics.js';

export interface ToolDependencies {
  db: Database;
  secrets: SecretBox;
  allowInsecureUrls: boolean;
  metrics?: WorkerMetrics;
}

/** The tenant's tool said no (4xx) or cannot be called: retrying would not help. */
export const TOOL_REJECTED = 'ToolRejected';

const DEFAULT_TIMEOUT_MS = 8_000;
const MAX_RESPONSE_BYTES = 64 * 1_024;

export interface RunToolInput {
  callId: string;
  tenantId: string;
  toolCallId: string;
  tool: ToolDefinition;
  arguments: Record<string, unknown>;
  /** The caller's latest keypad entry, given to the identity verification tool only. */
  keypadEntry?: string;
}

const KEYPAD_DIGITS = /^[0-9*#A-D]{1,32}$/;

function failed(error: string, details?: string[]): ToolResult {
  return { status: 'failed', output: JSON.stringify(details ? { error, details } : { error }) };
}

function runBuiltin(name: string, args: Record<string, unknown>): ToolResult {
  switch (name) {
    case 'end_call':
      return {
        status: 'succeeded',
        output: JSON.stringify({ ok: true, ending: true }),
        action: 'hang_up',
      };
    case 'send_digits': {
      const digits = args.digits;
      if (typeof digits !== 'string' || !KEYPAD_DIGITS.test(digits)) {
        return failed('invalid_arguments', ['digits: 1 to 32 of 0-9, *, #, A-D']);
      }
      return {
        status: 'succeeded',
        output: JSON.stringify({ ok: true, sent: digits }),
        action: 'send_digits',
        digits,
      };
    }
    case 'transfer_to_human':
      // The call workflow starts the handoff once it sees this result.
      return {
        status: 'succeeded',
        output: JSON.stringify({ ok: true, transferring: true, mode: args.mode ?? 'cold' }),
      };
    case 'schedule_callback': {
      const when = typeof args.when === 'string' ? Date.parse(args.when) : Number.NaN;
      if (args.when !== undefined && Number.isNaN(when)) {
        return {
          status: 'failed',
          output: JSON.stringify({ error: 'when must be an ISO 8601 time' }),
        };
      }
      // The call workflow records the task and starts its timer once it sees this result.
      return { status: 'succeeded', output: JSON.stringify({ ok: true, scheduled: true }) };
    }
    default:
      return { status: 'refused', output: JSON.stringify({ error: `unknown built-in ${name}` }) };
  }
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > MAX_RESPONSE_BYTES) {
      throw ApplicationFailure.nonRetryable(
        `tool response over ${MAX_RESPONSE_BYTES} bytes`,
        TOOL_REJECTED,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createToolActivities(deps: ToolDependencies) {
  async function callWebhook(
    input: RunToolInput,
    tool: Extract<ToolDefinition, { type: 'webhook' }>,
  ) {
    const url = new URL(tool.url);
    const refusal = await refuseOutboundUrl(url, { allowInsecure: deps.allowInsecureUrls });
    if (refusal) throw ApplicationFailure.nonRetryable(`tool webhooks ${refusal}`, TOOL_REJECTED);
    const credential = await findCredential(deps.db, input.tenantId, 'tool_webhook', 'default');
    if (!credential)
      throw ApplicationFailure.nonRetryable('no tool signing secret configured', TOOL_REJECTED);
    const secret = deps.secrets.open(credential.ciphertext, credential.key_id);

    const body = JSON.stringify({
      tool: tool.name,
      call_id: input.callId,
      tool_call_id: input.toolCallId,
      arguments: input.arguments,
      ...(input.keypadEntry !== undefined ? { keypad_entry: input.keypadEntry } : {}),
    });
    const response = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(tool.timeout_ms ?? DEFAULT_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'idempotency-key': `${input.callId}:${input.toolCallId}`,
        [SIGNATURE_HEADER]: signWebhook(secret, body),
      },
    });
    const text = await readCapped(response);
    if (response.status >= 500 || response.status === 429) {
      throw new Error(`tool ${tool.name} answered ${response.status}`);
    }
    if (!response.ok) return failed(`tool answered ${response.status}`);
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return failed('tool answered invalid JSON');
    }
    if (tool.output_schema) {
      const check = checkAgainstSchema(tool.output_schema, answer);
      if (!check.ok)
        return failed('tool answer does not match its declared output', check.problems);
    }
    return { status: 'succeeded', output: text } as const;
  }

  return {
    async runTool(input: RunToolInput): Promise<ToolResult> {
      try {
        const result = await runOnce(input);
        deps.metrics?.toolRuns.inc({ tool: input.tool.name, result: result.status });
        return result;
      } catch (error) {
        deps.metrics?.toolRuns.inc({ tool: input.tool.name, result: 'error' });
        throw error;
      }
    },
  };

  async function runOnce(input: RunToolInput): Promise<ToolResult> {
    if (input.tool.type === 'builtin') return runBuiltin(input.tool.name, input.arguments);
    // Arguments that break the declared schema never reach the tenant.
    const check = checkAgainstSchema(input.tool.parameters, input.arguments);
    if (!check.ok) return failed('invalid_arguments', check.problems);
    try {
      const tool = input.tool;
      return await heartbeatWhile(() => callWebhook(input, tool));
    } catch (error) {
      if (error instanceof ApplicationFailure) {
        return { status: 'failed', output: JSON.stringify({ error: error.message }) };
      }
      throw error;
    }
  }
}
