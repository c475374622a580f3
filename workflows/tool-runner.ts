/**
 * Function calls inside the call workflow: the version's allow-list is checked
 * before any run, each `call_id` runs at most once (a repeated invocation gets
 * the first one's result), and every outcome is recorded.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { CallActivities } from '../activities/index.js';
import type {
  MediaSessionConfig,
  ResolvedAgentVersion,
  ToolDefinition,
  ToolInvocation,
  ToolResult,
} from './types.js';

const records = proxyActivities<CallActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});

const tools = proxyActivities<CallActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['ToolRejected'],
  },
});

const BUILTIN_DESCRIPTIONS: Record<
  string,
  { description: string; parameters: Record<string, unknown> }
> = {
  end_call: {
    description: 'End the call after saying goodbye.',
    parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: [] },
  },
  transfer_to_human: {
    description: 'Transfer the caller to a human operator.',
    parameters: {
      type: 'object',
      properties: {
        reason: { type: 'string' },
        mode: {
          type: 'string',
          enum: ['warm', 'cold'],
          description: 'warm: the operator hears a summary first',
        },
        queue: { type: 'string', description: 'The operator queue, by name' },
      },
      required: [],
    },
  },
  schedule_callback: {
    description: 'Schedule a call back to the caller at a later time.',
    parameters: {
      type: 'object',
      properties: {
        when: { type: 'string', description: 'ISO 8601 time' },
        reason: { type: 'string' },
      },
      required: [],
    },
  },
};

const DEFAULT_TURN_DETECTION = { silence_duration_ms: 800, prefix_padding_ms: 300, threshold: 0.5 };

interface ToolRunnerContext {
  callId: string;
  tenantId: string;
  getVersion(): ResolvedAgentVersion | undefined;
}

export function createToolRunner(context: ToolRunnerContext) {
  const runs = new Map<string, Promise<ToolResult>>();

  function describe(tool: ToolDefinition): MediaSessionConfig['tools'][number] {
    if (tool.type === 'webhook') {
      return { name: tool.name, description: tool.description, parameters: tool.parameters };
    }
    const builtin = BUILTIN_DESCRIPTIONS[tool.name] ?? { description: tool.name, parameters: {} };
    return { name: tool.name, ...builtin };
  }

  async function run(invocation: ToolInvocation): Promise<ToolResult> {
    const version = context.getVersion();
    const startedAt = new Date().toISOString();
    const tool = version?.config.tools.find((candidate) => candidate.name === invocation.name);

    let result: ToolResult;
    let parsedArguments: unknown = null;
    try {
      parsedArguments = JSON.parse(invocation.arguments || '{}');
    } catch {
      parsedArguments = null;
    }
    if (!tool) {
      result = refusal(`the tool ${invocation.name} is not allowed for this agent`);
    } else if (parsedArguments === null || typeof parsedArguments !== 'object') {
      result = refusal('the arguments are not a JSON object');
    } else {
      try {
        result = await tools.runTool({
          callId: context.callId,
          tenantId: context.tenantId,
          toolCallId: invocation.toolCallId,
          tool,
          arguments: parsedArguments as Record<string, unknown>,
        });
      } catch {
        // Retries are spent: the model hears that the tool failed and the call goes on.
        result = {
          status: 'failed',
          output: JSON.stringify({ error: `the tool ${tool.name} failed` }),
        };
      }
    }

    await records.recordFunctionCall({
      callId: context.callId,
      tenantId: context.tenantId,
      toolCallId: invocation.toolCallId,
      name: invocation.name,
      arguments: parsedArguments ?? { raw: invocation.arguments },
      result,
      startedAt,
      completedAt: new Date().toISOString(),
    });
    return result;
  }

  return {
    invoke(invocation: ToolInvocation): Promise<ToolResult> {
      const existing = runs.get(invocation.toolCallId);
      if (existing) return existing;
      const running = run(invocation);
      runs.set(invocation.toolCallId, running);
      return running;
    },

    runCount(): number {
      return runs.size;
    },

    sessionConfigFor(greetingOverride?: string): MediaSessionConfig {
      const version = context.getVersion();
      if (!version) throw new Error('no agent version yet');
      const { config } = version;
      return {
        callId: context.callId,
        tenantId: context.tenantId,
        agentVersionId: version.agentVersionId,
        instructions: config.instructions,
        voice: config.voice,
        model: config.model,
        greeting: greetingOverride ?? config.greeting,
        tools: config.tools.map(describe),
        turnDetection: config.turn_detection ?? DEFAULT_TURN_DETECTION,
      };
    },
  };
}

function refusal(reason: string): ToolResult {
  return { status: 'refused', output: JSON.stringify({ error: reason }) };
}
