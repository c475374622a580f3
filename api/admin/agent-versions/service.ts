/**
 * The approval gate. A version is written as a draft, submitted (and from
 * then on immutable), then approved or rejected by someone who is not its
 * author. Only approved versions can take traffic. Every move is recorded in
 * the version's history and in the audit log.
 */
import {
  insertAgentVersion,
  insertTransition,
  listAgentVersions,
  listTransitions,
  findAgentVersionOfAgent,
  lockAgent,
  lockAgentVersion,
  markDecided,
  markSubmitted,
  updateDraftConfig,
  type AgentVersionRecord,
  type AgentVersionStatus,
} from '../../../db/agents.js';
import type { Queryable } from '../../../db/database.js';
import { BusinessRuleError, NotFoundError } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { requireAgent } from '../agents/service.js';
import { recordAudit } from '../audit.js';
import type { GovernanceContext } from '../context.js';
import { asAgentVersionConfig, type ValidatedAgentVersionConfig } from './config-schema.js';
import { presentAgentVersion, presentTransition, type AgentVersionView } from './schemas.js';

export async function createAgentVersion(
  context: GovernanceContext,
  agentId: string,
  config: ValidatedAgentVersionConfig,
): Promise<AgentVersionView> {
  return context.db.transaction(async (client) => {
    const agent = await lockAgent(client, agentId);
    if (!agent) throw new NotFoundError('agent');
    const row = await insertAgentVersion(client, {
      id: newId('ver'),
      tenantId: agent.tenant_id,
      agentId,
      config: asAgentVersionConfig(config),
      createdBy: context.actor.name,
    });
    await insertTransition(client, {
      tenantId: row.tenant_id,
      versionId: row.id,
      from: null,
      to: 'draft',
      actor: context.actor.name,
      reason: null,
    });
    const view = presentAgentVersion(row);
    await recordAudit(client, context, {
      action: 'agent_version.create',
      targetType: 'agent_version',
      targetId: row.id,
      tenantId: row.tenant_id,
      before: null,
      after: view,
    });
    return view;
  });
}

async function lockVersion(
  client: Queryable,
  agentId: string,
  versionId: string,
): Promise<AgentVersionRecord> {
  const row = await lockAgentVersion(client, agentId, versionId);
  if (!row) throw new NotFoundError('agent version');
  return row;
}

function requireStatus(row: AgentVersionRecord, expected: AgentVersionStatus, doing: string): void {
  if (row.status === expected) return;
  if (expected === 'draft') {
    throw new BusinessRuleError(
      'agent_version_immutable',
      `version ${row.version} is ${row.status}; only drafts change`,
    );
  }
  throw new BusinessRuleError(
    'invalid_transition',
    `cannot ${doing} a ${row.status} version; it must be ${expected}`,
  );
}

export async function updateDraftVersion(
  context: GovernanceContext,
  agentId: string,
  versionId: string,
  config: ValidatedAgentVersionConfig,
): Promise<AgentVersionView> {
  return context.db.transaction(async (client) => {
    const before = await lockVersion(client, agentId, versionId);
    requireStatus(before, 'draft', 'edit');
    const after = presentAgentVersion(
      await updateDraftConfig(client, versionId, asAgentVersionConfig(config)),
    );
    await recordAudit(client, context, {
      action: 'agent_version.update',
      targetType: 'agent_version',
      targetId: versionId,
      tenantId: before.tenant_id,
      before: presentAgentVersion(before),
      after,
    });
    return after;
  });
}

type Move = { kind: 'submit'; note?: string } | { kind: 'approve' | 'reject'; reason: string };

/** Submit, approve or reject: checks the gate, moves the status, records who and why. */
export async function moveAgentVersion(
  context: GovernanceContext,
  agentId: string,
  versionId: string,
  move: Move,
): Promise<AgentVersionView> {
  return context.db.transaction(async (client) => {
    const before = await lockVersion(client, agentId, versionId);
    let after: AgentVersionRecord;
    let reason: string | null;

    if (move.kind === 'submit') {
      requireStatus(before, 'draft', 'submit');
      after = await markSubmitted(client, versionId, context.actor.name);
      reason = move.note ?? null;
    } else {
      requireStatus(before, 'submitted', move.kind);
      if (before.created_by === context.actor.name) {
        throw new BusinessRuleError(
          'approver_is_author',
          `the author of a version cannot ${move.kind} it`,
        );
      }
      const status = move.kind === 'approve' ? 'approved' : 'rejected';
      after = await markDecided(client, versionId, {
        status,
        actor: context.actor.name,
        reason: move.reason,
      });
      reason = move.reason;
    }

    await insertTransition(client, {
      tenantId: before.tenant_id,
      versionId,
      from: before.status,
      to: after.status,
      actor: context.actor.name,
      reason,
    });
    const view = presentAgentVersion(after);
    await recordAudit(client, context, {
      action: `agent_version.${move.kind}`,
      targetType: 'agent_version',
      targetId: versionId,
      tenantId: before.tenant_id,
      before: presentAgentVersion(before),
      after: view,
    });
    return view;
  });
}

export async function listVersionsOfAgent(db: Queryable, agentId: string) {
  await requireAgent(db, agentId);
  return { data: (await listAgentVersions(db, agentId)).map(presentAgentVersion) };
}

export async function requireAgentVersion(db: Queryable, agentId: string, versionId: string) {
  const row = await findAgentVersionOfAgent(db, agentId, versionId);
  if (!row) throw new NotFoundError('agent version');
  return row;
}

export async function versionHistory(db: Queryable, agentId: string, versionId: string) {
  await requireAgentVersion(db, agentId, versionId);
  return { data: (await listTransitions(db, versionId)).map(presentTransition) };
}
