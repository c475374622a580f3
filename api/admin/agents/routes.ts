/** /api/v1/admin/agents */
import { adminOperation } from '../operation.js';
import {
  agentPage,
  agentParams,
  agentView,
  createAgentBody,
  listAgentsQuery,
  updateAgentBody,
} from './schemas.js';
import { createAgent, listAgentPage, renameTenantAgent, requireAgent } from './service.js';
import { presentAgent } from './schemas.js';

const tag = 'Agents';

export const agentOperations = [
  adminOperation({
    operationId: 'createAgent',
    method: 'post',
    path: '/agents',
    tag,
    summary: 'Create an agent for a tenant',
    body: createAgentBody,
    success: { status: 201, description: 'The agent.', schema: agentView },
    errors: [400, 401, 403, 404, 409, 429],
    handle: ({ body, context }) => createAgent(context, body),
  }),
  adminOperation({
    operationId: 'listAgents',
    method: 'get',
    path: '/agents',
    tag,
    summary: 'List agents, optionally of one tenant',
    query: listAgentsQuery,
    success: { status: 200, description: 'A page of agents.', schema: agentPage },
    errors: [400, 401, 403, 429],
    handle: ({ query, context }) => listAgentPage(context.db, query),
  }),
  adminOperation({
    operationId: 'getAgent',
    method: 'get',
    path: '/agents/:agent_id',
    tag,
    summary: 'Read an agent',
    params: agentParams,
    success: { status: 200, description: 'The agent.', schema: agentView },
    errors: [400, 401, 403, 404, 429],
    handle: async ({ params, context }) =>
      presentAgent(await requireAgent(context.db, params.agent_id)),
  }),
  adminOperation({
    operationId: 'updateAgent',
    method: 'patch',
    path: '/agents/:agent_id',
    tag,
    summary: 'Rename an agent',
    params: agentParams,
    body: updateAgentBody,
    success: { status: 200, description: 'The agent after the change.', schema: agentView },
    errors: [400, 401, 403, 404, 429],
    handle: ({ params, body, context }) => renameTenantAgent(context, params.agent_id, body.name),
  }),
];
