-- Up Migration

-- Media bridge instances. Each one writes its own row at start and then only heartbeats it; it is
-- live while stopped_at is null and heartbeat_at is fresher than stale_after_ms (its own bound,
-- a few of its heartbeats), measured on the database's clock so bridge clocks never matter.
CREATE TABLE bridge_instances (
  id text PRIMARY KEY,
  stream_url text NOT NULL,
  heartbeat_ms integer NOT NULL CHECK (heartbeat_ms > 0),
  stale_after_ms integer NOT NULL CHECK (stale_after_ms > heartbeat_ms),
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  stopped_at timestamptz
);
CREATE INDEX bridge_instances_running ON bridge_instances (heartbeat_at) WHERE stopped_at IS NULL;

-- One row per media stream a bridge accepted. Times are the bridge's own (when it happened),
-- since a write may land late after a database outage.
CREATE TABLE voice_sessions (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  call_id text NOT NULL REFERENCES calls (id),
  stream_sid text NOT NULL,
  bridge_instance_id text NOT NULL REFERENCES bridge_instances (id),
  state text NOT NULL CHECK (state IN ('connecting', 'greeting', 'listening', 'agent_speaking',
    'in_tool', 'transferring', 'ending', 'ended')),
  state_changed_at timestamptz NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'ended') = (ended_at IS NOT NULL))
);
CREATE INDEX voice_sessions_tenant_started ON voice_sessions (tenant_id, started_at DESC, id DESC);
CREATE INDEX voice_sessions_call ON voice_sessions (call_id);
CREATE INDEX voice_sessions_open ON voice_sessions (bridge_instance_id) WHERE ended_at IS NULL;

-- Down Migration

DROP TABLE voice_sessions;
DROP TABLE bridge_instances;
