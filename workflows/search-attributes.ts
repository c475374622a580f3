/**
 * Search attributes that let operators filter calls in the Temporal UI. The
 * dev server registers them at start (scripts/temporal-server.ts); a cluster
 * needs `temporal operator search-attribute create` once (see the README).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const CALL_STATUS = defineSearchAttributeKey('CallStatus', SearchAttributeType.KEYWORD);
export const CALL_DIRECTION = defineSearchAttributeKey(
  'CallDirection',
  SearchAttributeType.KEYWORD,
);
export const AGENT_VERSION = defineSearchAttributeKey('AgentVersion', SearchAttributeType.KEYWORD);
export const ESCALATED = defineSearchAttributeKey('Escalated', SearchAttributeType.BOOL);

/** Which kind of workflow: 'call', 'callback' or 'notification'. */
export const WORKFLOW_KIND = defineSearchAttributeKey('WorkflowKind', SearchAttributeType.KEYWORD);

export const CALL_SEARCH_ATTRIBUTES = [
  TENANT_ID,
  CALL_STATUS,
  CALL_DIRECTION,
  AGENT_VERSION,
  ESCALATED,
  WORKFLOW_KIND,
];
