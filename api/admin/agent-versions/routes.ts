/** /api/v1/admin/agents/{agent_id}/versions and /api/v1/admin/approvals */
import { listSubmittedVersions } from '../../../db/agents.js';
import { adminOperation } from '../operation.js';
import {
  agentVersionList,
  agentVersionParams,
  agentVersionsParams,
  agentVersionView,
  approvalsQuery,
  createVersionBody,
  decisionBody,
  presentAgentVersion,
  submitBody,
  transitionList,
  updateDraftBody,
} from './schemas.js';
import {
  createAgentVersion,
  listVersionsOfAgent,
  moveAgentVersion,
  requireAgentVersion,
  updateDraftVersion,
  versionHistory,
} from './service.js';

const tag = 'Agent versions and approvals';
const versionPath = '/agents/:agent_id/versions/:version_id';

export const agentVersionOperations = [
  adminOperation({
    operationId: 'createAgentVersion',
    method: 'post',
    path: '/agents/:agent_id/versions',
    tag,
    summary: 'Write a new draft version',
    params: agentVersionsParams,
    body: createVersionBody,
    success: { status: 201, description: 'The draft.', schema: agentVersionView },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, body, context }) =>
      createAgentVersion(context, params.agent_id, body.config),
  }),
  adminOperation({
    operationId: 'listAgentVersions',
    method: 'get',
    path: '/agents/:agent_id/versions',
    tag,
    summary: "List an agent's versions",
    params: agentVersionsParams,
    success: { status: 200, description: 'Every version, oldest first.', schema: agentVersionList },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, context }) => listVersionsOfAgent(context.db, params.agent_id),
  }),
  adminOperation({
    operationId: 'getAgentVersion',
    method: 'get',
    path: versionPath,
    tag,
    summary: 'Read a version',
    params: agentVersionParams,
    success: { status: 200, description: 'The version.', schema: agentVersionView },
    errors: [400, 401, 403, 404, 429],
    handle: async ({ params, context }) =>
      presentAgentVersion(
        await requireAgentVersion(context.db, params.agent_id, params.version_id),
      ),
  }),
  adminOperation({
    operationId: 'updateAgentVersion',
    method: 'put',
    path: versionPath,
    tag,
    summary: "Replace a draft's config (submitted versions are immutable)",
    params: agentVersionParams,
    body: updateDraftBody,
    success: { status: 200, description: 'The draft after the change.', schema: agentVersionView },
    errors: [400, 401, 403, 404, 422, 429],
    handle: ({ params, body, context }) =>
      updateDraftVersion(context, params.agent_id, params.version_id, body.config),
  }),
  adminOperation({
    operationId: 'submitAgentVersion',
    method: 'post',
    path: `${versionPath}/submit`,
    tag,
    summary: 'Submit a draft for approval; it is immutable from here on',
    params: agentVersionParams,
    body: submitBody,
    success: { status: 200, description: 'The submitted version.', schema: agentVersionView },
    errors: [400, 401, 403, 404, 422, 429],
    handle: ({ params, body, context }) =>
      moveAgentVersion(context, params.agent_id, params.version_id, {
        kind: 'submit',
        note: body.note,
      }),
  }),
  adminOperation({
    operationId: 'approveAgentVersion',
    method: 'post',
    path: `${versionPath}/approve`,
    tag,
    summary: 'Approve a submitted version (not by its author)',
    params: agentVersionParams,
    body: decisionBody,
    success: { status: 200, description: 'The approved version.', schema: agentVersionView },
    errors: [400, 401, 403, 404, 422, 429],
    handle: ({ params, body, context }) =>
      moveAgentVersion(context, params.agent_id, params.version_id, {
        kind: 'approve',
        reason: body.reason,
      }),
  }),
  adminOperation({
    operationId: 'rejectAgentVersion',
    method: 'post',
    path: `${versionPath}/reject`,
    tag,
    summary: 'Reject a submitted version (not by its author)',
    params: agentVersionParams,
    body: decisionBody,
    success: { status: 200, description: 'The rejected version.', schema: agentVersionView },
    errors: [400, 401, 403, 404, 422, 429],
    handle: ({ params, body, context }) =>
      moveAgentVersion(context, params.agent_id, params.version_id, {
        kind: 'reject',
        reason: body.reason,
      }),
  }),
  adminOperation({
    operationId: 'getAgentVersionHistory',
    method: 'get',
    path: `${versionPath}/history`,
    tag,
    summary: "A version's every state change: who, when and why",
    params: agentVersionParams,
    success: { status: 200, description: 'Transitions, oldest first.', schema: transitionList },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, context }) => versionHistory(context.db, params.agent_id, params.version_id),
  }),
  adminOperation({
    operationId: 'listPendingApprovals',
    method: 'get',
    path: '/approvals',
    tag,
    summary: 'Versions waiting for a decision',
    query: approvalsQuery,
    success: {
      status: 200,
      description: 'Submitted versions, oldest first.',
      schema: agentVersionList,
    },
    errors: [400, 401, 403, 429],
    handle: async ({ query, context }) => ({
      data: (await listSubmittedVersions(context.db, query.tenant_id)).map(presentAgentVersion),
    }),
  }),
];
