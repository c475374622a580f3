/**
 * A CallControl that answers at once, for the bridge benchmark: the workflow
 * is not what is measured, and Temporal's round trips would dominate it. The
 * instructions carry the call id so the model-side peer can pair connections.
 */
import type { CallControl } from '../media/call-control.js';

const ONE_DAY_MS = 86_400_000;

export function createInstantCallControl(): CallControl {
  return {
    attach: async (callId) => ({
      callId,
      tenantId: 'bench',
      agentVersionId: 'bench',
      instructions: `bench call ${callId}`,
      voice: 'alloy',
      tools: [],
      turnDetection: { silence_duration_ms: 500, prefix_padding_ms: 300, threshold: 0.5 },
      endsAt: new Date(Date.now() + ONE_DAY_MS).toISOString(),
      wrapUpMessage: 'Goodbye.',
      noInput: null,
      maskKeypadDigits: false,
    }),
    sendTurns: async () => undefined,
    sendKeypadEntry: async () => undefined,
    invokeTool: async () => ({ status: 'succeeded', output: '{}' }),
    requestHangUp: async () => true,
    streamEnded: async () => undefined,
    runProgress: async () => ({ historyLength: 0, workflowTaskPending: false }),
  };
}
