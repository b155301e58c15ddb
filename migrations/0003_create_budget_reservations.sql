-- In-flight budget holds (SPEC §8): a step with a non-zero estimate reserves it under the
-- tenant's quota row lock before it runs, and the reservation is replaced by its cost event
-- when the step is recorded. Concurrent runs of one tenant therefore see each other's
-- in-flight spend. A reservation older than its expiry (a crashed process) no longer counts.
CREATE TABLE budget_reservations (
  id              bigserial PRIMARY KEY,
  tenant_id       text NOT NULL,
  run_id          uuid NOT NULL REFERENCES runs (id),
  agent_id        uuid NULL,
  estimate_cents  double precision NOT NULL CHECK (estimate_cents >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL
);
CREATE INDEX budget_reservations_tenant_idx ON budget_reservations (tenant_id, expires_at);
