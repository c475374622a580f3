/**
 * Shared by the conversation scenario tests: an approved agent version with
 * the config a test needs (on its own phone number), calls placed through the
 * phone simulator, a scripted model, and the finished call's whole record
 * (what the API stores, what Twilio and the model were sent).
 */
import { randomInt } from 'node:crypto';
import { connectClient } from '../../lib/temporal.js';
import { newId } from '../../lib/ids.js';
import { demoAgentConfig } from '../../db/seed.js';
import { DEMO_NUMBER, type Stack } from '../../scripts/stack.js';
import type { PartyBehaviour, SimulatedCall } from '../../simulators/phone/index.js';
import type {
  ResponsePlan,
  ScenarioFactory,
  ScenarioSession,
  SessionRecord,
} from '../../simulators/realtime/index.js';
import { callWorkflowId, inboundCallId } from '../../workflows/ids.js';
import type { AgentVersionConfig, CallSummary } from '../../workflows/types.js';
import { eventually, getJson, postJson } from '../support/stack.js';

export interface TestVersion {
  agentVersionId: string;
  phoneNumber: string;
  /** Unique words in the version's instructions, to find its model sessions. */
  marker: string;
}

/** A fast-turn voice detection, so scripted callers need not leave long gaps. */
export const QUICK_TURNS = { silence_duration_ms: 300, prefix_padding_ms: 100, threshold: 0.5 };

/** Adds an approved version of a new agent, on a new number of the demo tenant. */
export async function addAgentVersion(
  stack: Stack,
  overrides: Partial<AgentVersionConfig> = {},
): Promise<TestVersion> {
  const agentId = newId('agt');
  const agentVersionId = newId('ver');
  const marker = `test-agent-${agentId}`;
  const phoneNumber = `+1500555${String(randomInt(1_000, 9_999))}${String(randomInt(10, 99))}`;
  const base = demoAgentConfig(`${stack.tenantBackend.url}/tools/check_order_status`);
  const config: AgentVersionConfig = {
    ...base,
    required_tools: [],
    turn_detection: QUICK_TURNS,
    ...overrides,
    instructions: `${overrides.instructions ?? 'You are a scripted test agent.'} (${marker})`,
  };
  const { tenantId } = stack.tenant;
  await stack.db.transaction(async (client) => {
    await client.query('INSERT INTO agents (id, tenant_id, key, name) VALUES ($1, $2, $3, $4)', [
      agentId,
      tenantId,
      marker,
      'Test agent',
    ]);
    await client.query(
      `INSERT INTO agent_versions (id, tenant_id, agent_id, version, status, config, created_by,
         submitted_at, decided_by, decided_at, decision_reason)
       VALUES ($1, $2, $3, 1, 'approved', $4, 'test:author', now(), 'test:approver', now(), 'test')`,
      [agentVersionId, tenantId, agentId, JSON.stringify(config)],
    );
    await client.query(
      `INSERT INTO phone_routes (id, tenant_id, phone_number, agent_id, rollout, launch_owner)
       VALUES ($1, $2, $3, $4, $5, 'test')`,
      [
        newId('route'),
        tenantId,
        phoneNumber,
        agentId,
        { weights: [{ agent_version_id: agentVersionId, weight: 100 }] },
      ],
    );
  });
  return { agentVersionId, phoneNumber, marker };
}

/** A caller rings the version's number; answers once the product's webhook has answered. */
export async function callInbound(
  stack: Stack,
  version: TestVersion,
  party: PartyBehaviour,
  from = `+1500556${String(randomInt(100_000, 999_999))}`,
): Promise<{ callId: string; call: SimulatedCall }> {
  const call = await stack.phone.placeInboundCall({
    accountSid: stack.config.twilio.accountSid,
    from,
    to: version.phoneNumber,
    webhookUrl: `${stack.apiUrl}/api/v1/incoming-call`,
    statusCallbackUrl: `${stack.apiUrl}/api/v1/call-status`,
    party,
  });
  return { callId: inboundCallId(call.sid), call };
}

/** The tenant asks for an outbound call to `to`, who behaves as `party`. */
export async function callOutbound(
  stack: Stack,
  version: TestVersion,
  party: PartyBehaviour,
  options: { greeting?: string } = {},
): Promise<{ callId: string; to: string }> {
  const to = `+1500557${String(randomInt(100_000, 999_999))}`;
  stack.phone.setParty(to, party);
  const accepted = await postJson(stack, '/api/v1/make-call', {
    to,
    from: DEMO_NUMBER,
    agent_version_id: version.agentVersionId,
    ...options,
  });
  if (accepted.status !== 202)
    throw new Error(`make-call answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  return { callId: accepted.body.call_id, to };
}

export interface FinishedCall {
  summary: CallSummary;
  /** GET /api/v1/call-logs/{id}: the call, its transcript, function calls and events. */
  record: any;
  phoneCall: SimulatedCall;
  /** The model sessions the call opened (usually one). */
  modelSessions: SessionRecord[];
}

const clients = new WeakMap<Stack, ReturnType<typeof connectClient>>();

/** Waits for the call's workflow to complete, then gathers every side's record of it. */
export async function finishedCall(
  stack: Stack,
  callId: string,
  version: TestVersion,
  timeoutMs = 90_000,
): Promise<FinishedCall> {
  let client = clients.get(stack);
  if (!client) {
    client = connectClient(stack.config);
    clients.set(stack, client);
  }
  const handle = (await client).workflow.getHandle(callWorkflowId(callId));
  const summary = await withTimeout(
    handle.result() as Promise<CallSummary>,
    timeoutMs,
    `call ${callId}`,
  );
  const { body: record } = await getJson(stack, `/api/v1/call-logs/${callId}`);
  const phoneCall = await eventually(
    async () => [...stack.phone.calls.values()].find((call) => call.sid === record.call_sid),
    10_000,
    'the simulated call',
  );
  await stack.phone.waitForCallEnd(phoneCall.sid, 20_000);
  return { summary, record, phoneCall, modelSessions: sessionsOf(stack, version) };
}

export function sessionsOf(stack: Stack, version: TestVersion): SessionRecord[] {
  return stack.model.sessions.filter((session) =>
    session.clientEvents.some((event) => event.session?.instructions?.includes(version.marker)),
  );
}

export interface AgentScript {
  callerLines?: string[];
  /** The plan after the caller's k-th utterance (zero-based); nothing when undefined. */
  afterUtterance?: (index: number, session: ScenarioSession) => ResponsePlan | undefined;
  /** A client response.create without instructions: after a tool's output or a keypad entry. */
  onFollowUp?: (session: ScenarioSession) => ResponsePlan | undefined;
  onFunctionOutput?: (callId: string, output: string, session: ScenarioSession) => void;
}

/** A model that says exactly the words it is asked for (greeting, prompts, last words) and follows the script. */
export function scriptedAgent(script: AgentScript = {}): ScenarioFactory {
  return (session) => {
    session.callerLines = script.callerLines ?? [
      'Caller utterance one.',
      'Caller utterance two.',
      'Caller utterance three.',
    ];
    session.onFunctionOutput((callId, output) =>
      script.onFunctionOutput?.(callId, output, session),
    );
    session.onResponseRequested((request) => {
      const words = quotedWords(request.instructions);
      if (words) return { items: [{ say: words }] };
      if (request.source === 'client') return script.onFollowUp?.(session) ?? { items: [] };
      return request.utteranceIndex === undefined
        ? undefined
        : script.afterUtterance?.(request.utteranceIndex, session);
    });
  };
}

/** A real model asked to say "exactly these words: X" says X. */
export function quotedWords(instructions: string | undefined): string | undefined {
  if (!instructions) return undefined;
  return /exactly these words:\s*(.+)$/is.exec(instructions)?.[1]?.trim();
}

/** Client events of one type the model received, in order. */
export function clientEvents(session: SessionRecord | undefined, type: string) {
  return (session?.clientEvents ?? []).filter((event) => event.type === type);
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
