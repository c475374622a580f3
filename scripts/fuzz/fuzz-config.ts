/**
 * The schemathesis configuration of one run: how to authenticate, and which
 * seeded ids to put in path and query parameters (half the time; the other
 * half the fuzzer makes up its own, which must be a clean 400 or 404).
 */
import type { SeededIds } from './seed.js';

const SEEDED_ID_PROBABILITY = 0.5;

interface Binding {
  /** Operations whose path matches; all when absent. */
  pathRegex?: string;
  parameter: string;
  dictionary: string;
}

function toml(value: string): string {
  return JSON.stringify(value);
}

function render(
  auth: { scheme: string; field: 'bearer' | 'api_key'; value: string },
  dictionaries: Record<string, string[]>,
  bindings: Binding[],
  skipped: string[] = [],
): string {
  const lines: string[] = [];
  lines.push(`[auth.openapi.${auth.scheme}]`, `${auth.field} = ${toml(auth.value)}`, '');
  for (const [name, values] of Object.entries(dictionaries)) {
    lines.push(`[dictionaries.${name}]`, `values = [${values.map(toml).join(', ')}]`, '');
  }
  const binding = (b: Binding) =>
    `${toml(b.parameter)} = { dictionary = ${toml(b.dictionary)}, probability = ${SEEDED_ID_PROBABILITY} }`;
  const global = bindings.filter((b) => !b.pathRegex);
  if (global.length > 0) lines.push('[parameters]', ...global.map(binding), '');
  for (const operationId of skipped) {
    lines.push(
      '[[operations]]',
      `include-operation-id = ${toml(operationId)}`,
      'enabled = false',
      '',
    );
  }
  for (const b of bindings.filter((item) => item.pathRegex)) {
    lines.push('[[operations]]', `include-path-regex = ${toml(b.pathRegex ?? '')}`);
    lines.push(`parameters = { ${binding(b)} }`, '');
  }
  return lines.join('\n');
}

export function publicRunConfig(ids: SeededIds): string {
  return render(
    { scheme: 'tenantKey', field: 'bearer', value: ids.tenantKey },
    {
      calls: ids.callIds,
      ended_calls: ids.endedCallIds,
      agent_keys: ids.agentKeys,
      versions: ids.versionIds,
      numbers: ids.ownNumbers,
      callbacks: ids.callbackIds,
      queues: ids.queueIds,
      deliveries: ids.deliveryIds,
      sessions: ids.voiceSessionIds,
    },
    [
      { pathRegex: '^/api/v1/call-logs/', parameter: 'path.id', dictionary: 'calls' },
      // Hanging up a live call waits on its workflow, and no worker runs in a fuzz run.
      { pathRegex: '^/api/v1/calls/', parameter: 'path.id', dictionary: 'ended_calls' },
      { pathRegex: '^/api/v1/callbacks/\\{', parameter: 'path.id', dictionary: 'callbacks' },
      { pathRegex: '^/api/v1/queues/', parameter: 'path.id', dictionary: 'queues' },
      { pathRegex: '^/api/v1/notifications/', parameter: 'path.id', dictionary: 'deliveries' },
      { pathRegex: '^/api/v1/voice-sessions/', parameter: 'path.id', dictionary: 'sessions' },
      { parameter: 'query.call_id', dictionary: 'calls' },
      { parameter: 'query.queue_id', dictionary: 'queues' },
      // Bodies that name the tenant's agent and number get past validation to the call itself.
      { parameter: 'body.agent_key', dictionary: 'agent_keys' },
      { parameter: 'body.agent_version_id', dictionary: 'versions' },
      { parameter: 'body.from', dictionary: 'numbers' },
      { parameter: 'body.queue_id', dictionary: 'queues' },
      { parameter: 'body.call_id', dictionary: 'calls' },
    ],
    // The worker would deliver the tenant's events to whatever URL the fuzzer sets here.
    ['setNotificationEndpoint'],
  );
}

export function adminRunConfig(ids: SeededIds, adminKey: string): string {
  return render(
    { scheme: 'adminKey', field: 'api_key', value: adminKey },
    {
      tenants: ids.tenantIds,
      keys: ids.keyIds,
      agents: ids.agentIds,
      versions: ids.versionIds,
      routes: ids.routeIds,
      credentials: ids.credentialIds,
    },
    [
      { parameter: 'tenant_id', dictionary: 'tenants' },
      { parameter: 'key_id', dictionary: 'keys' },
      { parameter: 'agent_id', dictionary: 'agents' },
      { parameter: 'version_id', dictionary: 'versions' },
      { parameter: 'route_id', dictionary: 'routes' },
      { parameter: 'credential_id', dictionary: 'credentials' },
      { parameter: 'body.tenant_id', dictionary: 'tenants' },
      { parameter: 'body.agent_id', dictionary: 'agents' },
      { parameter: 'body.rollout.weights[*].agent_version_id', dictionary: 'versions' },
    ],
  );
}
