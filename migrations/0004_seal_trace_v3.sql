-- Trace format aos.trace.v3 (docs/proof.md): the signed tree covers the run's header and
-- outcome, sealing happens only together with completion, and a run's facts are written once.
-- Every refusal raises SQLSTATE 'AO001' with a message that names the rule it enforces.

-- Hashed timestamps are stored at the precision that is hashed (milliseconds), so no stored
-- value can change without changing a hash.
ALTER TABLE runs
  ALTER COLUMN created_at TYPE timestamptz(3),
  ALTER COLUMN started_at TYPE timestamptz(3),
  ALTER COLUMN completed_at TYPE timestamptz(3),
  ALTER COLUMN next_attempt_at TYPE timestamptz(3);
ALTER TABLE aos_traces
  ALTER COLUMN started_at TYPE timestamptz(3),
  ALTER COLUMN completed_at TYPE timestamptz(3),
  ALTER COLUMN sealed_at TYPE timestamptz(3),
  ALTER COLUMN schema_version SET DEFAULT 'aos.trace.v3',
  ADD COLUMN header_envelope jsonb NULL,
  ADD COLUMN header_hash text NULL CHECK (header_hash IS NULL OR header_hash ~ '^[0-9a-f]{64}$'),
  ADD COLUMN outcome_envelope jsonb NULL,
  ADD COLUMN outcome_hash text NULL CHECK (outcome_hash IS NULL OR outcome_hash ~ '^[0-9a-f]{64}$');

-- Commit before act: a side-effecting step is first recorded `started`, then its outcome.
ALTER TABLE aos_trace_steps
  ALTER COLUMN started_at TYPE timestamptz(3),
  ALTER COLUMN completed_at TYPE timestamptz(3),
  DROP CONSTRAINT aos_trace_steps_status_check,
  ADD CONSTRAINT aos_trace_steps_status_check CHECK (status IN ('started', 'success', 'failure', 'skipped')),
  ADD COLUMN lease_epoch bigint NOT NULL DEFAULT 0 CHECK (lease_epoch >= 0),
  -- HMAC-SHA256 by the runner's step key over (trace, index, step_hash): the sealer refuses a
  -- step without a valid one, so a role that may only INSERT cannot slip a forged step in.
  ADD COLUMN step_mac text NULL CHECK (step_mac IS NULL OR step_mac ~ '^[0-9a-f]{64}$');

CREATE OR REPLACE FUNCTION aos_traces_guard_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.sealed_at IS NOT NULL THEN
    RAISE EXCEPTION 'sealed trace % is immutable: update refused', OLD.trace_id
      USING ERRCODE = 'AO001';
  END IF;
  IF NEW.trace_id IS DISTINCT FROM OLD.trace_id
     OR NEW.run_id IS DISTINCT FROM OLD.run_id
     OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
     OR NEW.agent_id IS DISTINCT FROM OLD.agent_id
     OR NEW.plan IS DISTINCT FROM OLD.plan
     OR NEW.plan_hash IS DISTINCT FROM OLD.plan_hash
     OR NEW.schema_version IS DISTINCT FROM OLD.schema_version
     OR NEW.started_at IS DISTINCT FROM OLD.started_at
     OR NEW.genesis_hash IS DISTINCT FROM OLD.genesis_hash THEN
    RAISE EXCEPTION 'trace identity is immutable: trace_id, run_id, tenant_id, agent_id, plan, plan_hash, schema_version, started_at and genesis_hash of % cannot change', OLD.trace_id
      USING ERRCODE = 'AO001';
  END IF;
  -- Completion: running -> terminal, exactly once, with completed_at and metadata.
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF OLD.status <> 'running' OR NEW.status NOT IN ('completed', 'failed', 'aborted') THEN
      RAISE EXCEPTION 'trace completion refused: status can only go from running to a terminal status (got % -> %)', OLD.status, NEW.status
        USING ERRCODE = 'AO001';
    END IF;
    IF NEW.completed_at IS NULL THEN
      RAISE EXCEPTION 'trace completion refused: completed_at is required'
        USING ERRCODE = 'AO001';
    END IF;
  ELSIF NEW.completed_at IS DISTINCT FROM OLD.completed_at
        OR NEW.metadata IS DISTINCT FROM OLD.metadata THEN
    RAISE EXCEPTION 'trace completion refused: completed_at and metadata change only with the completion of a running trace'
      USING ERRCODE = 'AO001';
  END IF;
  -- Sealing: the seal columns go from NULL to values together, exactly once, in the same update
  -- that completes the running trace. A trace that finished unsealed (its seal refused) can
  -- never be sealed afterwards, so nothing is ever re-sealed.
  IF NEW.root_hash IS DISTINCT FROM OLD.root_hash
     OR NEW.merkle_root IS DISTINCT FROM OLD.merkle_root
     OR NEW.chain_length IS DISTINCT FROM OLD.chain_length
     OR NEW.checkpoint IS DISTINCT FROM OLD.checkpoint
     OR NEW.sealed_at IS DISTINCT FROM OLD.sealed_at
     OR NEW.header_envelope IS DISTINCT FROM OLD.header_envelope
     OR NEW.header_hash IS DISTINCT FROM OLD.header_hash
     OR NEW.outcome_envelope IS DISTINCT FROM OLD.outcome_envelope
     OR NEW.outcome_hash IS DISTINCT FROM OLD.outcome_hash THEN
    IF NEW.root_hash IS NULL OR NEW.merkle_root IS NULL OR NEW.chain_length IS NULL
       OR NEW.checkpoint IS NULL OR NEW.sealed_at IS NULL
       OR NEW.header_envelope IS NULL OR NEW.header_hash IS NULL
       OR NEW.outcome_envelope IS NULL OR NEW.outcome_hash IS NULL THEN
      RAISE EXCEPTION 'trace sealing refused: root_hash, merkle_root, chain_length, checkpoint, sealed_at and the header and outcome leaves are set together'
        USING ERRCODE = 'AO001';
    END IF;
    IF OLD.status <> 'running' OR NEW.status = 'running' THEN
      RAISE EXCEPTION 'trace sealing refused: trace % is sealed only in the update that completes it (it is %); a trace is never sealed twice', OLD.trace_id, OLD.status
        USING ERRCODE = 'AO001';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION runs_guard_identity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id
     OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
     OR NEW.agent_id IS DISTINCT FROM OLD.agent_id
     OR NEW.goal IS DISTINCT FROM OLD.goal
     OR NEW.origin_system_id IS DISTINCT FROM OLD.origin_system_id
     OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
     OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'run identity is immutable: id, tenant_id, agent_id, goal, origin_system_id, idempotency_key and created_at of run % cannot change', OLD.id
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

-- The plan is written once; a finished run never changes; status moves only along the
-- lifecycle's edges (docs/proof.md: queued/retry -> running -> succeeded|failed|halted|retry,
-- and queued/retry -> failed|halted when planning fails or the run is cancelled).
CREATE FUNCTION runs_guard_lifecycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.plan_json IS NOT NULL AND NEW.plan_json IS DISTINCT FROM OLD.plan_json)
     OR (OLD.plan_hash IS NOT NULL AND NEW.plan_hash IS DISTINCT FROM OLD.plan_hash) THEN
    RAISE EXCEPTION 'run plan is written once: plan_json and plan_hash of run % cannot change', OLD.id
      USING ERRCODE = 'AO001';
  END IF;
  IF OLD.status IN ('succeeded', 'failed', 'halted') THEN
    IF NEW.status IS DISTINCT FROM OLD.status
       OR NEW.error_message IS DISTINCT FROM OLD.error_message
       OR NEW.completed_at IS DISTINCT FROM OLD.completed_at
       OR NEW.attempts IS DISTINCT FROM OLD.attempts
       OR NEW.duration_ms IS DISTINCT FROM OLD.duration_ms THEN
      RAISE EXCEPTION 'finished run % is immutable: its status (%), error_message, attempts, completed_at and duration_ms never change', OLD.id, OLD.status
        USING ERRCODE = 'AO001';
    END IF;
  ELSIF NEW.status IS DISTINCT FROM OLD.status
        AND NOT ((OLD.status IN ('queued', 'retry') AND NEW.status IN ('running', 'failed', 'halted'))
                 OR (OLD.status = 'running' AND NEW.status IN ('succeeded', 'failed', 'halted', 'retry'))) THEN
    RAISE EXCEPTION 'run status cannot move from % to % (run %)', OLD.status, NEW.status, OLD.id
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER runs_lifecycle
  BEFORE UPDATE ON runs
  FOR EACH ROW EXECUTE FUNCTION runs_guard_lifecycle();

-- The ledger: cost events and budget alerts are append-only.
CREATE FUNCTION aos_ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'AO001';
END;
$$;

CREATE TRIGGER cost_events_append_only
  BEFORE UPDATE OR DELETE ON cost_events
  FOR EACH ROW EXECUTE FUNCTION aos_ledger_refuse_change();
CREATE TRIGGER cost_events_no_truncate
  BEFORE TRUNCATE ON cost_events
  FOR EACH STATEMENT EXECUTE FUNCTION aos_ledger_refuse_change();
CREATE TRIGGER budget_alerts_append_only
  BEFORE UPDATE OR DELETE ON budget_alerts
  FOR EACH ROW EXECUTE FUNCTION aos_ledger_refuse_change();
CREATE TRIGGER budget_alerts_no_truncate
  BEFORE TRUNCATE ON budget_alerts
  FOR EACH STATEMENT EXECUTE FUNCTION aos_ledger_refuse_change();
