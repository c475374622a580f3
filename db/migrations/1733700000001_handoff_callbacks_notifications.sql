-- Up Migration

-- How a tenant's callbacks are retried: attempts, spacing, and hours when nobody is called.
ALTER TABLE tenants
  ADD COLUMN callback_policy jsonb NOT NULL
    DEFAULT '{"max_attempts": 3, "spacing_sec": 900, "time_zone": "UTC", "quiet_hours": null}';

-- Operator queues: who takes callbacks, when, and how many open tasks at once.
CREATE TABLE operator_queues (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  operator_number text,
  time_zone text NOT NULL DEFAULT 'UTC',
  -- {"mon": ["09:00", "17:00"], ...}; a missing day is closed.
  business_hours jsonb NOT NULL DEFAULT '{}',
  members text[] NOT NULL DEFAULT '{}',
  capacity integer NOT NULL DEFAULT 10 CHECK (capacity > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);

CREATE TABLE callback_tasks (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  queue_id text REFERENCES operator_queues (id),
  call_id text REFERENCES calls (id),
  phone_number text NOT NULL,
  -- The tenant's number the callback is placed from, and the agent that speaks.
  from_number text NOT NULL,
  agent_id text REFERENCES agents (id),
  agent_version_id text,
  reason text NOT NULL DEFAULT '',
  source text NOT NULL CHECK (source IN ('agent', 'handoff', 'api')),
  mode text NOT NULL DEFAULT 'call' CHECK (mode IN ('call', 'notify_queue')),
  status text NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'scheduled', 'calling', 'claimed', 'completed', 'canceled', 'failed')),
  due_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_call_id text,
  claimed_by text,
  disposition text,
  workflow_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callback_tasks_tenant_status ON callback_tasks (tenant_id, status, created_at);

-- Each placed callback call, in order.
CREATE TABLE callback_attempts (
  task_id text NOT NULL REFERENCES callback_tasks (id),
  attempt integer NOT NULL,
  tenant_id text NOT NULL,
  call_id text,
  outcome text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, attempt)
);

-- Where a tenant receives event webhooks; the signing secret is a sealed credential
-- (kind 'notification_webhook').
CREATE TABLE notification_endpoints (
  tenant_id text PRIMARY KEY REFERENCES tenants (id),
  url text NOT NULL,
  horizon_sec integer NOT NULL DEFAULT 86400 CHECK (horizon_sec > 0),
  initial_interval_ms integer NOT NULL DEFAULT 5000 CHECK (initial_interval_ms > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per event: its id is the envelope's id, the same on every attempt.
CREATE TABLE notification_deliveries (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  event text NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_http_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX notification_deliveries_tenant ON notification_deliveries (tenant_id, created_at);

CREATE TABLE notification_attempts (
  id bigserial PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES notification_deliveries (id),
  tenant_id text NOT NULL,
  http_status integer,
  error text,
  at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE notification_attempts;
DROP TABLE notification_deliveries;
DROP TABLE notification_endpoints;
DROP TABLE callback_attempts;
DROP TABLE callback_tasks;
DROP TABLE operator_queues;
ALTER TABLE tenants DROP COLUMN callback_policy;
