/** Activities that write the call's record to PostgreSQL. Each is idempotent under retry. */
import { ApplicationFailure } from '@temporalio/common';
import {
  finalizeCall,
  insertFunctionCall,
  insertTranscriptTurns,
  recordCallProgress,
  type CallFinal,
  type CallProgress,
} from '../db/calls.js';
import type { Database } from '../db/database.js';
import {
  findAgentVersion,
  findLatestApprovedVersion,
  findPhoneRouteForAgent,
  type AgentVersionRow,
} from '../db/tenants.js';
import { pickVersion } from '../lib/rollout.js';
import type { ResolvedAgentVersion, ToolResult, TranscriptTurn } from '../workflows/types.js';

/** Failure type the workflow and API branch on: no approved version can take the call. */
export const AGENT_VERSION_UNAVAILABLE = 'AgentVersionUnavailable';

function unavailable(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, AGENT_VERSION_UNAVAILABLE);
}

function resolved(row: AgentVersionRow, reason: string): ResolvedAgentVersion {
  return { agentId: row.agent_id, agentVersionId: row.id, reason, config: row.config };
}

export function createDatabaseActivities(db: Database) {
  return {
    async resolveAgentVersion(input: {
      tenantId: string;
      agentVersionId?: string;
      agentId?: string;
      callerNumber: string;
    }): Promise<ResolvedAgentVersion> {
      if (input.agentVersionId) {
        const row = await findAgentVersion(db, input.tenantId, input.agentVersionId);
        if (!row || row.status !== 'approved') throw unavailable('the agent version is not approved');
        return resolved(row, 'explicit version requested');
      }
      if (!input.agentId) throw unavailable('no agent given');

      const route = await findPhoneRouteForAgent(db, input.tenantId, input.agentId);
      const picked = route ? pickVersion(route.rollout, route.id, input.callerNumber) : undefined;
      if (picked) {
        const row = await findAgentVersion(db, input.tenantId, picked);
        if (row?.status === 'approved') return resolved(row, `rollout on route ${route?.id} (sticky per caller)`);
      }
      const latest = await findLatestApprovedVersion(db, input.tenantId, input.agentId);
      if (!latest) throw unavailable('the agent has no approved version');
      return resolved(latest, 'latest approved version (no rollout policy applies)');
    },

    async recordCallProgress(progress: CallProgress): Promise<void> {
      await recordCallProgress(db, progress);
    },

    async saveTranscriptTurns(input: {
      callId: string;
      tenantId: string;
      firstSequence: number;
      turns: TranscriptTurn[];
    }): Promise<void> {
      await insertTranscriptTurns(db, input.callId, input.tenantId, input.firstSequence, input.turns);
    },

    async recordFunctionCall(input: {
      callId: string;
      tenantId: string;
      toolCallId: string;
      name: string;
      arguments: unknown;
      result: ToolResult;
      startedAt: string;
      completedAt: string;
    }): Promise<void> {
      let output: unknown = input.result.output;
      try {
        output = JSON.parse(input.result.output);
      } catch {
        // Tools may answer plain text; it is stored as a JSON string.
      }
      await insertFunctionCall(db, {
        callId: input.callId,
        tenantId: input.tenantId,
        toolCallId: input.toolCallId,
        name: input.name,
        arguments: input.arguments,
        status: input.result.status,
        output,
        error: input.result.status === 'succeeded' ? undefined : input.result.output,
        startedAt: input.startedAt,
        completedAt: input.completedAt,
      });
    },

    async finalizeCall(final: CallFinal): Promise<void> {
      await finalizeCall(db, final);
    },
  };
}
