/**
 * Function calls from the model to the call's workflow and back: one run per
 * `call_id` whatever the model repeats (C09), every answer handed back as a
 * `function_call_output`, a workflow that cannot be reached answered as a
 * failed tool so the conversation goes on.
 */
import type { Logger } from '../lib/logger.js';
import type { ToolResult } from '../workflows/types.js';
import type { CallControl } from './call-control.js';

export interface ToolRelayHost {
  readonly control: CallControl;
  readonly logger: Logger;
  /** Where the output goes; false once the model session is gone. */
  sendToModel(event: Record<string, unknown>): boolean;
  /**
   * The output was handed to the model: act on the result (hang up, key digits, answer).
   * `interrupted` says whether the caller cut the agent off while the tool ran.
   */
  onResult(result: ToolResult, interrupted: boolean, name: string): void;
  /** How many times the caller has cut the agent off so far. */
  interruptions(): number;
  /** A run started or ended. */
  onRunsChanged(): void;
}

export class ToolRelay {
  private readonly seen = new Set<string>();
  private running = 0;

  constructor(private readonly host: ToolRelayHost) {}

  get inFlight(): number {
    return this.running;
  }

  run(callId: string, toolCallId: string, name: string, args: string): void {
    // The model may repeat the arguments event; one run per call_id.
    if (this.seen.has(toolCallId)) return;
    this.seen.add(toolCallId);
    this.running += 1;
    const interruptionsBefore = this.host.interruptions();
    this.host.onRunsChanged();

    this.host.control
      .invokeTool(callId, { toolCallId, name, arguments: args })
      .catch((error: unknown): ToolResult => {
        this.host.logger.warn({ tool: name, err: String(error) }, 'tool invocation failed');
        return { status: 'failed', output: JSON.stringify({ error: 'the tool is unavailable' }) };
      })
      .then((result) => {
        this.running -= 1;
        const output = { type: 'function_call_output', call_id: toolCallId, output: result.output };
        if (this.host.sendToModel({ type: 'conversation.item.create', item: output })) {
          this.host.onResult(result, this.host.interruptions() !== interruptionsBefore, name);
        }
        this.host.onRunsChanged();
      })
      .catch((error: unknown) =>
        this.host.logger.error({ err: String(error) }, 'tool result handling failed'),
      );
  }
}
