-- Up Migration

-- A call slot taken by admission, in a short transaction of its own under the tenant's lock, so
-- the lock is not held while the call's workflow starts. The call's own transaction deletes the
-- reservation as it inserts the call: a committed call is counted once, as a call. A reservation
-- whose call never committed (Temporal down, the api killed) counts until it expires.
CREATE TABLE call_admission_reservations (
  call_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX call_admission_reservations_tenant
  ON call_admission_reservations (tenant_id, expires_at);

-- Down Migration

DROP TABLE call_admission_reservations;
