-- SPEC §14 (leases and fencing): the process executing a run holds a lease on it — its owner, an
-- epoch that every claim increments, and an expiry it renews while it works. Every trace step is
-- written under the run's current epoch and the database refuses any other, so a worker that
-- lost its lease (it stalled, another took the run over) can never extend the chain: two workers
-- cannot fork a trace. Every refusal raises SQLSTATE 'AO001' with a message that names the rule.

ALTER TABLE runs
  ADD COLUMN lease_owner text NULL,
  ADD COLUMN lease_epoch bigint NOT NULL DEFAULT 0 CHECK (lease_epoch >= 0),
  ADD COLUMN lease_expires_at timestamptz(3) NULL;

CREATE INDEX runs_lease_expiry ON runs (lease_expires_at) WHERE status = 'running';

-- An epoch only grows: a lease once taken over cannot be handed back to its old holder.
CREATE FUNCTION aos_runs_guard_lease() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.lease_epoch < OLD.lease_epoch THEN
    RAISE EXCEPTION 'run lease refused: lease_epoch of run % cannot go back from % to %', OLD.id, OLD.lease_epoch, NEW.lease_epoch
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER runs_guard_lease
  BEFORE UPDATE OF lease_epoch ON runs
  FOR EACH ROW EXECUTE FUNCTION aos_runs_guard_lease();

-- Fencing: a step is appended only under the run's current lease epoch.
CREATE FUNCTION aos_trace_steps_check_lease() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_epoch bigint;
BEGIN
  SELECT lease_epoch INTO current_epoch FROM runs WHERE id = NEW.run_id;
  IF current_epoch IS DISTINCT FROM NEW.lease_epoch THEN
    RAISE EXCEPTION 'trace step append refused: written under lease epoch % of run %, whose lease is at epoch % (another worker holds it)', NEW.lease_epoch, NEW.run_id, current_epoch
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER aos_trace_steps_check_lease
  BEFORE INSERT ON aos_trace_steps
  FOR EACH ROW EXECUTE FUNCTION aos_trace_steps_check_lease();

GRANT UPDATE (lease_owner, lease_epoch, lease_expires_at) ON runs TO aos_app;
