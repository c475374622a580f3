/** Activities that write the call's record to PostgreSQL. Each is idempotent under retry. */
import { Context } from '@temporalio/activity';
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
import { findPhoneRouteById } from '../db/phone-routes.js';
import {
  findAgentVersion,
  findLatestApprovedVersion,
  findPhoneRouteForAgent,
  type AgentVersionRow,
  type PhoneRouteRow,
} from '../db/tenants.js';
import { pickVersionFor } from '../lib/rollout.js';
import type { WorkerMetrics } from './metrics.js';
import type { ResolvedAgentVersion, ToolResult, TranscriptTurn } from '../workflows/types.js';

/** Failure type the workflow and API branch on: no approved version can take the call. */
export const AGENT_VERSION_UNAVAILABLE = 'AgentVersionUnavailable';

function unavailable(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, AGENT_VERSION_UNAVAILABLE);
}

function resolved(row: AgentVersionRow, reason: string): ResolvedAgentVersion {
  return { agentId: row.agent_id, agentVersionId: row.id, reason, config: row.config };
}

/**
 * When the workflow first scheduled this activity, on Temporal's clock: the moment it learned
 * what the activity records, kept across retries. Undefined outside an activity (direct calls).
 */
function scheduledAt(): string | undefined {
  try {
    return new Date(Context.current().info.scheduledTimestampMs).toISOString();
  } catch {
    return undefined;
  }
}

/**
 * The activity's logger (our logger, through the SDK's runtime), whose lines carry the
 * workflow id and activity type; undefined outside an activity (direct calls).
 */
function activityLog(): Context['log'] | undefined {
  try {
    return Context.current().log;
  } catch {
    return undefined;
  }
}

export function createDatabaseActivities(db: Database, metrics?: WorkerMetrics) {
  /** The named route when it routes this agent, else the agent's first route. */
  async function routeFor(
    tenantId: string,
    agentId: string,
    routeId?: string,
  ): Promise<PhoneRouteRow | undefined> {
    if (routeId) {
      const named = await findPhoneRouteById(db, routeId);
      if (named && named.tenant_id === tenantId && named.agent_id === agentId) return named;
    }
    return findPhoneRouteForAgent(db, tenantId, agentId);
  }

  return {
    async resolveAgentVersion(input: {
      tenantId: string;
      agentVersionId?: string;
      agentId?: string;
      phoneRouteId?: string;
      callerNumber: string;
    }): Promise<ResolvedAgentVersion> {
      if (input.agentVersionId) {
        const row = await findAgentVersion(db, input.tenantId, input.agentVersionId);
        if (!row || row.status !== 'approved')
          throw unavailable('the agent version is not approved');
        return resolved(row, 'explicit version requested');
      }
      if (!input.agentId) throw unavailable('no agent given');

      const route = await routeFor(input.tenantId, input.agentId, input.phoneRouteId);
      const picked = route
        ? pickVersionFor(route.rollout, route.id, input.callerNumber)
        : undefined;
      if (route && picked) {
        const row = await findAgentVersion(db, input.tenantId, picked.agentVersionId);
        if (row?.status === 'approved') {
          const bucket = `caller bucket ${picked.bucket}/10000`;
          const share = `weight ${picked.weight} of ${picked.totalWeight}`;
          return resolved(row, `rollout on route ${route.id}: ${bucket}, ${share}`);
        }
      }
      const latest = await findLatestApprovedVersion(db, input.tenantId, input.agentId);
      if (!latest) throw unavailable('the agent has no approved version');
      return resolved(latest, 'latest approved version (no rollout policy applies)');
    },

    async recordCallProgress(progress: CallProgress): Promise<void> {
      const event = progress.event && {
        ...progress.event,
        occurredAt: progress.event.occurredAt ?? scheduledAt(),
      };
      const written = await recordCallProgress(db, { ...progress, event });
      // Routing is recorded once per call, on its first run: the call's start.
      if (event?.type === 'routed' && written.eventRecorded && written.direction) {
        metrics?.callsStarted.inc({ direction: written.direction });
        activityLog()?.info('call routed', {
          callId: progress.callId,
          direction: written.direction,
          agentVersionId: progress.agentVersionId,
        });
      }
    },

    async saveTranscriptTurns(input: {
      callId: string;
      tenantId: string;
      firstSequence: number;
      turns: TranscriptTurn[];
    }): Promise<void> {
      await insertTranscriptTurns(
        db,
        input.callId,
        input.tenantId,
        input.firstSequence,
        input.turns,
      );
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
      const written = await finalizeCall(db, { ...final, endedAt: final.endedAt ?? scheduledAt() });
      if (written.eventRecorded && written.direction) {
        metrics?.callsEnded.inc({ direction: written.direction, outcome: final.outcome });
        activityLog()?.info('call ended', {
          callId: final.callId,
          status: final.status,
          outcome: final.outcome,
          durationSec: final.durationSec,
        });
      }
    },
  };
}
