/**
 * Function calls inside the call workflow. `validate` runs in the invokeTool
 * update's validator: a tool the version does not allow, or a protected tool
 * before the caller's identity is verified, is refused there and never runs
 * (the bridge hands the refusal back to be recorded). Each `call_id` runs at
 * most once (a repeated invocation gets the first one's result), and every
 * outcome is recorded. Its memory (`state`) is carried across continue-as-new.
 */
import { ApplicationFailure, log, patched, proxyActivities } from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import { withSummaries } from './activity-summaries.js';
import type { ToolRunnerState } from './continuation-types.js';
import { TOOL_REFUSED } from './messages.js';
import type {
  ResolvedAgentVersion,
  ToolDefinition,
  ToolInvocation,
  ToolRefusal,
  ToolResult,
} from './types.js';
import { RECORD_WRITE_OPTIONS } from './record-writes.js';

const records = withSummaries(proxyActivities<CallActivities>(RECORD_WRITE_OPTIONS));

/**
 * Calls that started before this marker kept the model waiting until the tool's record was
 * written; from it on the model hears the result at once (see `keepRecord`).
 */
export const ANSWER_BEFORE_RECORD_PATCH = 'tool-answer-before-record';

const DEFAULT_TOOL_TIMEOUT_MS = 8_000;
const DEFAULT_TOOL_ATTEMPTS = 3;
/** Room for the activity around the webhook's own timeout (signing, reading the answer). */
const TOOL_TIMEOUT_MARGIN_MS = 2_000;
/**
 * The caller is waiting on the line: a webhook run heartbeats, and a worker that
 * dies mid-run is noticed this soon and the run retried on another worker.
 */
const TOOL_HEARTBEAT_TIMEOUT_MS = 3_000;

/** Timeouts and retries come from the tool's definition; a tenant's 4xx is final. */
function toolActivities(tool: ToolDefinition) {
  const timeoutMs = tool.type === 'webhook' ? (tool.timeout_ms ?? DEFAULT_TOOL_TIMEOUT_MS) : 0;
  return withSummaries(
    proxyActivities<CallActivities>({
      startToCloseTimeout: timeoutMs + TOOL_TIMEOUT_MARGIN_MS,
      heartbeatTimeout: TOOL_HEARTBEAT_TIMEOUT_MS,
      retry: {
        initialInterval: '500 milliseconds',
        backoffCoefficient: 2,
        maximumAttempts: tool.type === 'webhook' ? (tool.max_attempts ?? DEFAULT_TOOL_ATTEMPTS) : 3,
        nonRetryableErrorTypes: ['ToolRejected'],
      },
    }),
  );
}

interface ToolRunnerContext {
  callId: string;
  tenantId: string;
  getVersion(): ResolvedAgentVersion | undefined;
  /** The caller's latest keypad entry, handed to the identity verification tool only. */
  getKeypadEntry(): string | undefined;
  onIdentityVerified(toolName: string): Promise<void>;
  /** What an earlier run of this call's workflow already ran. */
  initial?: ToolRunnerState;
}

export function createToolRunner(context: ToolRunnerContext) {
  const runs = new Map<string, Promise<ToolResult>>();
  const results = new Map<string, ToolResult>();
  for (const [toolCallId, result] of Object.entries(context.initial?.results ?? {})) {
    runs.set(toolCallId, Promise.resolve(result));
    results.set(toolCallId, result);
  }
  const recordsInFlight = new Set<Promise<void>>();
  let identityVerified = context.initial?.identityVerified ?? false;

  /**
   * The model hears a tool's result as soon as the tool ran; its record lands when the
   * database lets it (the write retries until it does): a PostgreSQL outage must not leave
   * the caller in silence. The call is finalized only once every record is written.
   */
  async function keepRecord(write: Promise<void>): Promise<void> {
    if (!patched(ANSWER_BEFORE_RECORD_PATCH)) return write;
    const kept = write.catch((error: unknown) =>
      log.warn('a tool record was not written', { callId: context.callId, error: String(error) }),
    );
    recordsInFlight.add(kept);
    void kept.then(() => recordsInFlight.delete(kept));
  }

  function findTool(name: string): ToolDefinition | undefined {
    return context.getVersion()?.config.tools.find((candidate) => candidate.name === name);
  }

  function refusalReason(invocation: ToolInvocation): string | undefined {
    if (!findTool(invocation.name))
      return `the tool ${invocation.name} is not allowed for this agent`;
    const identity = context.getVersion()?.config.identity;
    if (identity?.protected_tools.includes(invocation.name) && !identityVerified) {
      return `the caller's identity must be verified with ${identity.verification_tool} before ${invocation.name}`;
    }
    return undefined;
  }

  async function run(invocation: ToolInvocation, tool: ToolDefinition): Promise<ToolResult> {
    const startedAt = new Date().toISOString();
    const parsedArguments = parseArguments(invocation.arguments);
    const identity = context.getVersion()?.config.identity;
    const verifies = identity?.verification_tool === tool.name;

    let result: ToolResult;
    if (parsedArguments === undefined) {
      result = {
        status: 'failed',
        output: JSON.stringify({ error: 'the arguments are not a JSON object' }),
      };
    } else {
      try {
        result = await toolActivities(tool).runTool({
          callId: context.callId,
          tenantId: context.tenantId,
          toolCallId: invocation.toolCallId,
          tool,
          arguments: parsedArguments,
          keypadEntry: verifies ? context.getKeypadEntry() : undefined,
        });
      } catch {
        // Retries are spent: the model hears that the tool failed and the call goes on.
        result = {
          status: 'failed',
          output: JSON.stringify({ error: `the tool ${tool.name} failed` }),
        };
      }
    }
    if (verifies && !identityVerified && confirmsIdentity(result)) {
      identityVerified = true;
      await keepRecord(context.onIdentityVerified(tool.name));
    }

    await keepRecord(
      records.recordFunctionCall({
        callId: context.callId,
        tenantId: context.tenantId,
        toolCallId: invocation.toolCallId,
        name: invocation.name,
        arguments: parsedArguments ?? { raw: invocation.arguments },
        result,
        startedAt,
        completedAt: new Date().toISOString(),
      }),
    );
    return result;
  }

  return {
    /** Throws (in the update's validator) when the call must not run; no run, no history. */
    validate(invocation: ToolInvocation): void {
      if (runs.has(invocation.toolCallId)) return;
      const reason = refusalReason(invocation);
      if (reason)
        throw ApplicationFailure.create({
          type: TOOL_REFUSED,
          message: reason,
          nonRetryable: true,
        });
    },

    invoke(invocation: ToolInvocation): Promise<ToolResult> {
      const existing = runs.get(invocation.toolCallId);
      if (existing) return existing;
      const tool = findTool(invocation.name);
      // The validator admitted it; a version never changes during a call.
      if (!tool) throw ApplicationFailure.create({ type: TOOL_REFUSED, message: 'not allowed' });
      const running = run(invocation, tool);
      runs.set(invocation.toolCallId, running);
      // A side branch, so the handler's own chain (and the order of its commands) is unchanged.
      void running.then(
        (result) => results.set(invocation.toolCallId, result),
        () => undefined,
      );
      return running;
    },

    /** Records a call the validator refused, once per call_id. */
    async recordRefusal(refusal: ToolRefusal): Promise<void> {
      const now = new Date().toISOString();
      await records.recordFunctionCall({
        callId: context.callId,
        tenantId: context.tenantId,
        toolCallId: refusal.toolCallId,
        name: refusal.name,
        arguments: parseArguments(refusal.arguments) ?? { raw: refusal.arguments },
        result: { status: 'refused', output: JSON.stringify({ error: refusal.reason }) },
        startedAt: now,
        completedAt: now,
      });
    },

    runCount(): number {
      return runs.size;
    },

    /** Resolves once every tool record started so far is written. */
    async recordsWritten(): Promise<void> {
      while (recordsInFlight.size > 0) await Promise.all([...recordsInFlight]);
    },

    /** Records still being written; a run carries over only once there are none. */
    hasRecordsInFlight(): boolean {
      return recordsInFlight.size > 0;
    },

    /** Complete once every run has finished (the workflow waits for its handlers first). */
    state(): ToolRunnerState {
      return { results: Object.fromEntries(results), identityVerified };
    },
  };
}

function parseArguments(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw || '{}');
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function confirmsIdentity(result: ToolResult): boolean {
  if (result.status !== 'succeeded') return false;
  try {
    return (JSON.parse(result.output) as { verified?: unknown }).verified === true;
  } catch {
    return false;
  }
}
