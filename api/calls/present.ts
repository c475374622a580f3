/** How calls and their records look in API answers (snake_case, ISO times). */
import type {
  CallEventRow,
  CallRow,
  EvaluationRow,
  FunctionCallRow,
  TranscriptRow,
} from '../../db/calls.js';

interface LinkContext {
  temporalUiUrl: string;
  namespace: string;
}

export function temporalUiLink(context: LinkContext, workflowId: string): string {
  return `${context.temporalUiUrl}/namespaces/${encodeURIComponent(context.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function presentCallAccepted(call: CallRow, context: LinkContext) {
  return {
    call_id: call.id,
    workflow_id: call.workflow_id,
    status: call.status,
    links: {
      self: `/api/v1/call-logs/${call.id}`,
      temporal_ui: temporalUiLink(context, call.workflow_id),
    },
  };
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export function presentCall(call: CallRow, context: LinkContext) {
  return {
    id: call.id,
    direction: call.direction,
    status: call.status,
    outcome: call.outcome,
    from: call.from_number,
    to: call.to_number,
    agent_id: call.agent_id,
    agent_version_id: call.agent_version_id,
    version_reason: call.version_reason,
    call_sid: call.call_sid,
    workflow_id: call.workflow_id,
    temporal_ui_url: temporalUiLink(context, call.workflow_id),
    metadata: call.metadata,
    end_reason: call.end_reason,
    escalated: call.escalated,
    created_at: iso(call.created_at),
    answered_at: iso(call.answered_at),
    ended_at: iso(call.ended_at),
    duration_sec: call.duration_sec,
  };
}

export function presentTurn(turn: TranscriptRow) {
  return {
    sequence: turn.sequence,
    role: turn.role,
    text: turn.text,
    interrupted: turn.interrupted,
    started_at: iso(turn.started_at),
    ended_at: iso(turn.ended_at),
  };
}

export function presentFunctionCall(call: FunctionCallRow) {
  return {
    tool_call_id: call.tool_call_id,
    name: call.name,
    arguments: call.arguments,
    status: call.status,
    output: call.output,
    error: call.error,
    started_at: iso(call.started_at),
    completed_at: iso(call.completed_at),
  };
}

export function presentEvaluation(evaluation: EvaluationRow | undefined) {
  if (!evaluation) return null;
  return {
    id: evaluation.id,
    passed: evaluation.passed,
    overall_score: Number(evaluation.overall_score),
    checks: evaluation.checks,
    judgment: evaluation.judgment,
    model: evaluation.model,
    created_at: iso(evaluation.created_at),
  };
}

export function presentEvent(event: CallEventRow) {
  return { type: event.type, detail: event.detail, occurred_at: iso(event.occurred_at) };
}
