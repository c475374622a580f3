/**
 * When a call goes to a person: the `transfer_to_human` tool, or the
 * version's escalation rules (a phrase from the caller, a failed identity
 * check, a streak of tool errors). `schedule_callback` (the tool, or a rule
 * whose action it is) leaves a callback task with its own workflow.
 */
import { ParentClosePolicy, proxyActivities, startChild, uuid4 } from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import { withSummaries } from './activity-summaries.js';
import type { EscalationState } from './continuation-types.js';
import type { HandoffRequest } from './handoff-types.js';
import { callbackWorkflowId } from './ids.js';
import { TENANT_ID, WORKFLOW_KIND } from './search-attributes.js';
import type {
  CallWorkflowInput,
  EscalationRule,
  ResolvedAgentVersion,
  ToolInvocation,
  ToolResult,
  TranscriptTurn,
} from './types.js';
import { RECORD_WRITE_OPTIONS } from './record-writes.js';

const store = withSummaries(proxyActivities<CallActivities>(RECORD_WRITE_OPTIONS));

const ASKS_FOR_HUMAN = /\b(human|person|operator|representative|real agent|someone real)\b/i;
const IDENTITY_TOOL = 'verify_identity';
const DEFAULT_ERROR_STREAK = 3;
const SUMMARY_QUOTE_CHARS = 200;

interface WatchContext {
  call: CallWorkflowInput;
  getVersion(): ResolvedAgentVersion | undefined;
  /** What an earlier run of this call's workflow had seen. */
  initial?: EscalationState;
}

export function createEscalationWatch(context: WatchContext) {
  let requested: HandoffRequest | undefined = context.initial?.requested;
  let toolErrorStreak = context.initial?.toolErrorStreak ?? 0;
  let lastCallerLine = context.initial?.lastCallerLine ?? '';

  const rules = (): EscalationRule[] => context.getVersion()?.config.escalation_rules ?? [];

  async function apply(rule: EscalationRule, reason: string): Promise<void> {
    if (rule.action === 'schedule_callback') await scheduleCallback({ reason });
    else requested ??= { mode: 'cold', reason, queue: rule.target, trigger: rule.id };
  }

  async function scheduleCallback(args: Record<string, unknown>): Promise<string> {
    const version = context.getVersion();
    const { call } = context;
    const taskId = `cbt_${uuid4().replaceAll('-', '')}`;
    const when = typeof args.when === 'string' ? args.when : undefined;
    await store.createCallbackTask({
      taskId,
      tenantId: call.tenantId,
      callId: call.callId,
      phoneNumber: call.direction === 'inbound' ? call.from : call.to,
      fromNumber: call.direction === 'inbound' ? call.to : call.from,
      agentId: version?.agentId,
      agentVersionId: version?.agentVersionId,
      reason:
        typeof args.reason === 'string'
          ? args.reason.slice(0, 500)
          : 'the caller asked for a callback',
      source: 'agent',
      mode: 'call',
      status: 'scheduled',
      dueAt: when ? new Date(Date.parse(when)).toISOString() : new Date().toISOString(),
    });
    await startChild('callbackWorkflow', {
      workflowId: callbackWorkflowId(taskId),
      args: [{ tenantId: call.tenantId, taskId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `callback task ${taskId} (asked for on the call)`,
      typedSearchAttributes: [
        { key: TENANT_ID, value: call.tenantId },
        { key: WORKFLOW_KIND, value: 'callback' },
      ],
    });
    return taskId;
  }

  return {
    handoff: (): HandoffRequest | undefined => requested,

    state: (): EscalationState => ({ requested, toolErrorStreak, lastCallerLine }),

    noteTurn(turn: TranscriptTurn): void {
      if (turn.role !== 'caller') return;
      lastCallerLine = turn.text;
      const rule = rules().find(
        (candidate) =>
          (candidate.trigger === 'phrase' &&
            candidate.phrase !== undefined &&
            turn.text.toLowerCase().includes(candidate.phrase.toLowerCase())) ||
          (candidate.trigger === 'caller_asks_for_human' && ASKS_FOR_HUMAN.test(turn.text)),
      );
      // Only handoffs start from a signal handler; a callback rule waits for the agent's tool.
      if (rule && rule.action === 'transfer_to_human') {
        requested ??= {
          mode: 'cold',
          reason: `rule ${rule.id}`,
          queue: rule.target,
          trigger: rule.id,
        };
      }
    },

    async noteToolResult(invocation: ToolInvocation, result: ToolResult): Promise<ToolResult> {
      const args = parseArguments(invocation.arguments);
      if (result.status === 'succeeded' && invocation.name === 'transfer_to_human') {
        requested ??= {
          mode: args.mode === 'warm' ? 'warm' : 'cold',
          reason:
            typeof args.reason === 'string'
              ? args.reason.slice(0, 500)
              : 'the caller asked for a person',
          queue: typeof args.queue === 'string' ? args.queue : undefined,
          trigger: 'transfer_to_human',
        };
      }
      if (result.status === 'succeeded' && invocation.name === 'schedule_callback') {
        const taskId = await scheduleCallback(args);
        return {
          ...result,
          output: JSON.stringify({ ok: true, scheduled: true, callback_task_id: taskId }),
        };
      }

      toolErrorStreak = result.status === 'succeeded' ? 0 : toolErrorStreak + 1;
      for (const rule of rules()) {
        const streakLimit = rule.threshold ?? DEFAULT_ERROR_STREAK;
        if (rule.trigger === 'tool_error_streak' && toolErrorStreak >= streakLimit) {
          await apply(rule, `${toolErrorStreak} tool errors in a row`);
        }
        if (
          rule.trigger === 'identity_failed' &&
          invocation.name === IDENTITY_TOOL &&
          result.status !== 'succeeded'
        ) {
          await apply(rule, 'identity check failed');
        }
      }
      return result;
    },

    /** What the operator hears before a warm transfer connects. */
    summary(turnCount: number): string {
      const reason = requested?.reason ?? 'the caller asked for a person';
      const quote = lastCallerLine
        ? ` The caller last said: ${lastCallerLine.slice(0, SUMMARY_QUOTE_CHARS)}`
        : '';
      return `Transfer from the voice agent after ${turnCount} turns. Reason: ${reason}.${quote}`;
    },
  };
}

function parseArguments(raw: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(raw || '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
