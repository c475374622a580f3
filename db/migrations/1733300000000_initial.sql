-- Up Migration

CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  max_concurrent_calls integer NOT NULL DEFAULT 10 CHECK (max_concurrent_calls > 0),
  calls_per_minute integer NOT NULL DEFAULT 60 CHECK (calls_per_minute > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Keys are stored as a SHA-256 hash; the prefix is the visible, indexed part.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  name text NOT NULL DEFAULT 'default',
  prefix text NOT NULL UNIQUE,
  key_hash text NOT NULL,
  scopes text[] NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE agents (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  key text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, key)
);

CREATE TABLE agent_versions (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  agent_id text NOT NULL REFERENCES agents (id),
  version integer NOT NULL,
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'submitted', 'approved', 'rejected')),
  config jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  submitted_at timestamptz,
  decided_by text,
  decided_at timestamptz,
  decision_reason text,
  UNIQUE (agent_id, version)
);

CREATE TABLE phone_routes (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  phone_number text NOT NULL UNIQUE,
  agent_id text NOT NULL REFERENCES agents (id),
  rollout jsonb NOT NULL,
  previous_rollout jsonb,
  launch_owner text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE calls (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  status text NOT NULL,
  from_number text NOT NULL,
  to_number text NOT NULL,
  agent_id text REFERENCES agents (id),
  agent_version_id text REFERENCES agent_versions (id),
  version_reason text,
  call_sid text UNIQUE,
  workflow_id text NOT NULL UNIQUE,
  metadata jsonb NOT NULL DEFAULT '{}',
  outcome text,
  end_reason text,
  escalated boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  answered_at timestamptz,
  ended_at timestamptz,
  duration_sec integer
);
CREATE INDEX calls_tenant_created ON calls (tenant_id, created_at DESC, id DESC);

CREATE TABLE call_events (
  id bigserial PRIMARY KEY,
  call_id text NOT NULL REFERENCES calls (id),
  tenant_id text NOT NULL,
  type text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}',
  dedupe_key text,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (call_id, dedupe_key)
);
CREATE INDEX call_events_call ON call_events (call_id, occurred_at, id);

CREATE TABLE transcript_turns (
  id bigserial PRIMARY KEY,
  call_id text NOT NULL REFERENCES calls (id),
  tenant_id text NOT NULL,
  sequence integer NOT NULL,
  role text NOT NULL CHECK (role IN ('agent', 'caller')),
  text text NOT NULL,
  interrupted boolean NOT NULL DEFAULT false,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  UNIQUE (call_id, sequence)
);

CREATE TABLE function_calls (
  id bigserial PRIMARY KEY,
  call_id text NOT NULL REFERENCES calls (id),
  tenant_id text NOT NULL,
  tool_call_id text NOT NULL,
  name text NOT NULL,
  arguments jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('succeeded', 'failed', 'refused')),
  output jsonb,
  error text,
  started_at timestamptz NOT NULL,
  completed_at timestamptz NOT NULL,
  UNIQUE (call_id, tool_call_id)
);

CREATE TABLE evaluations (
  id text PRIMARY KEY,
  call_id text NOT NULL UNIQUE REFERENCES calls (id),
  tenant_id text NOT NULL,
  passed boolean NOT NULL,
  overall_score numeric(4, 3) NOT NULL,
  checks jsonb NOT NULL,
  judgment jsonb NOT NULL,
  model text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idempotency_keys (
  tenant_id text NOT NULL REFERENCES tenants (id),
  key text NOT NULL,
  request_hash text NOT NULL,
  call_id text NOT NULL REFERENCES calls (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);

-- Secrets are AES-256-GCM ciphertext; key_id names the master key that sealed them.
CREATE TABLE credentials (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  kind text NOT NULL,
  name text NOT NULL,
  ciphertext text NOT NULL,
  key_id text NOT NULL,
  masked text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz,
  UNIQUE (tenant_id, kind, name)
);

-- Down Migration

DROP TABLE credentials;
DROP TABLE idempotency_keys;
DROP TABLE evaluations;
DROP TABLE function_calls;
DROP TABLE transcript_turns;
DROP TABLE call_events;
DROP TABLE calls;
DROP TABLE phone_routes;
DROP TABLE agent_versions;
DROP TABLE agents;
DROP TABLE api_keys;
DROP TABLE tenants;
