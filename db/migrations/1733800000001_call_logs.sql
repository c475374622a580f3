-- Up Migration

-- The call-log list walks a tenant's calls newest first on (created_at, id); calls_tenant_created
-- (the initial migration) serves the unfiltered list and the low-selectivity filters (status,
-- direction, outcome). These serve the filters that pick a few calls out of many, in the same
-- order, so a page never reads the tenant's whole history.
CREATE INDEX calls_tenant_from ON calls (tenant_id, from_number, created_at DESC, id DESC);
CREATE INDEX calls_tenant_to ON calls (tenant_id, to_number, created_at DESC, id DESC);
CREATE INDEX calls_tenant_agent_version
  ON calls (tenant_id, agent_version_id, created_at DESC, id DESC);
CREATE INDEX calls_tenant_escalated ON calls (tenant_id, created_at DESC, id DESC) WHERE escalated;

-- Down Migration

DROP INDEX calls_tenant_escalated;
DROP INDEX calls_tenant_agent_version;
DROP INDEX calls_tenant_to;
DROP INDEX calls_tenant_from;
