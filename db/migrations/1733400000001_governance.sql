-- Up Migration

-- Per-tenant request budget for the whole API (the call limits already exist).
ALTER TABLE tenants
  ADD COLUMN requests_per_minute integer NOT NULL DEFAULT 600 CHECK (requests_per_minute > 0),
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Who issued a key, and which key replaced it during a rotation overlap.
ALTER TABLE api_keys
  ADD COLUMN created_by text,
  ADD COLUMN replaced_by text REFERENCES api_keys (id),
  ADD COLUMN revoked_by text,
  ADD COLUMN revoke_reason text;

-- A version's config can change only while it is a draft; the approver is never the author.
CREATE FUNCTION agent_versions_freeze_config() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> 'draft' AND NEW.config IS DISTINCT FROM OLD.config THEN
    RAISE EXCEPTION 'agent version % is %, its config is immutable', OLD.id, OLD.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER agent_versions_freeze_config
  BEFORE UPDATE ON agent_versions
  FOR EACH ROW EXECUTE FUNCTION agent_versions_freeze_config();

ALTER TABLE agent_versions
  ADD COLUMN submitted_by text,
  ADD CONSTRAINT agent_versions_approver_not_author
    CHECK (status <> 'approved' OR decided_by IS DISTINCT FROM created_by) NOT VALID;

-- Every state change of a version: who moved it, from what, to what, and why.
CREATE TABLE agent_version_transitions (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  agent_version_id text NOT NULL REFERENCES agent_versions (id),
  from_status text,
  to_status text NOT NULL,
  actor text NOT NULL,
  reason text,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_version_transitions_version ON agent_version_transitions (agent_version_id, id);

ALTER TABLE phone_routes
  ADD COLUMN rollout_updated_by text,
  ADD COLUMN rollout_updated_at timestamptz;
CREATE INDEX phone_routes_tenant ON phone_routes (tenant_id, created_at, id);
CREATE INDEX phone_routes_agent ON phone_routes (tenant_id, agent_id, created_at);

-- Twilio credentials are named by their AccountSid, which must map to one tenant only.
CREATE UNIQUE INDEX credentials_twilio_account ON credentials (name) WHERE kind = 'twilio';

-- Concurrent calls are counted from the database so that every API instance agrees.
CREATE INDEX calls_tenant_live ON calls (tenant_id) WHERE ended_at IS NULL;

-- Every admin mutation, with secrets masked in before and after.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  actor_key text NOT NULL,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text NOT NULL,
  tenant_id text REFERENCES tenants (id),
  before jsonb,
  after jsonb,
  reason text,
  request_id text
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id DESC);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id DESC);

-- Down Migration

DROP TABLE audit_log;
DROP INDEX calls_tenant_live;
DROP INDEX credentials_twilio_account;
DROP INDEX phone_routes_agent;
DROP INDEX phone_routes_tenant;
ALTER TABLE phone_routes DROP COLUMN rollout_updated_at, DROP COLUMN rollout_updated_by;
DROP TABLE agent_version_transitions;
ALTER TABLE agent_versions DROP CONSTRAINT agent_versions_approver_not_author, DROP COLUMN submitted_by;
DROP TRIGGER agent_versions_freeze_config ON agent_versions;
DROP FUNCTION agent_versions_freeze_config();
ALTER TABLE api_keys DROP COLUMN revoke_reason, DROP COLUMN revoked_by, DROP COLUMN replaced_by,
  DROP COLUMN created_by;
ALTER TABLE tenants DROP COLUMN updated_at, DROP COLUMN requests_per_minute;
