/**
 * How a call workflow is started, wherever it is started from (the API for
 * make-call and inbound calls, a callback workflow for its attempts): the
 * same id, search attributes, memo and UI summary on every path. Phone
 * numbers appear masked only: memo and summaries are shown to anyone who
 * can open the namespace.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { maskPhoneNumber } from '../lib/redact.js';
import { callWorkflowId } from './ids.js';
import {
  AGENT_VERSION,
  CALL_DIRECTION,
  CALL_STATUS,
  ESCALATED,
  TENANT_ID,
  WORKFLOW_KIND,
} from './search-attributes.js';
import type { CallWorkflowInput } from './types.js';

/** Where a call came from besides the API: a callback task's attempt. */
export interface CallOrigin {
  callbackTaskId?: string;
}

export interface CallStartOptions {
  workflowId: string;
  typedSearchAttributes: SearchAttributePair[];
  memo: Record<string, unknown>;
  staticSummary: string;
  staticDetails: string;
}

export function callStartOptions(
  input: CallWorkflowInput,
  origin: CallOrigin = {},
): CallStartOptions {
  const from = maskPhoneNumber(input.from) ?? 'unknown';
  const to = maskPhoneNumber(input.to) ?? 'unknown';
  const attributes: SearchAttributePair[] = [
    { key: TENANT_ID, value: input.tenantId },
    { key: WORKFLOW_KIND, value: 'call' },
    { key: CALL_DIRECTION, value: input.direction },
    { key: CALL_STATUS, value: input.direction === 'inbound' ? 'ringing' : 'queued' },
    // Present from the start, so `Escalated = false` finds the calls never handed on.
    { key: ESCALATED, value: false },
  ];
  if (input.agentVersionId) attributes.push({ key: AGENT_VERSION, value: input.agentVersionId });

  const details = [
    `**${input.direction === 'inbound' ? 'Inbound' : 'Outbound'} call** \`${input.callId}\``,
    '',
    `- tenant: \`${input.tenantId}\``,
    `- from ${from} to ${to}`,
    `- agent: ${input.agentId ? `\`${input.agentId}\`` : 'none'}, version: ${
      input.agentVersionId ? `\`${input.agentVersionId}\`` : 'picked by the rollout policy'
    }`,
    ...(origin.callbackTaskId ? [`- placed by callback task \`${origin.callbackTaskId}\``] : []),
    `- record: \`GET /api/v1/call-logs/${input.callId}\` (transcript, tools, evaluation, events)`,
  ];

  return {
    workflowId: callWorkflowId(input.callId),
    typedSearchAttributes: attributes,
    memo: {
      callId: input.callId,
      tenantId: input.tenantId,
      direction: input.direction,
      from,
      to,
      ...(input.agentId ? { agentId: input.agentId } : {}),
      ...(origin.callbackTaskId ? { callbackTaskId: origin.callbackTaskId } : {}),
    },
    staticSummary: `${input.direction} call from ${from} to ${to}${
      origin.callbackTaskId ? ' (callback)' : ''
    }`,
    staticDetails: details.join('\n'),
  };
}
