-- SPEC §3.2: immutability enforced by the database, not by convention.
-- Every refusal raises SQLSTATE 'AO001' with a message that names the rule it enforces.

CREATE FUNCTION aos_trace_steps_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'aos_trace_steps is append-only: % of a trace step is refused', TG_OP
    USING ERRCODE = 'AO001';
END;
$$;

CREATE TRIGGER aos_trace_steps_no_update_delete
  BEFORE UPDATE OR DELETE ON aos_trace_steps
  FOR EACH ROW EXECUTE FUNCTION aos_trace_steps_refuse_change();

CREATE TRIGGER aos_trace_steps_no_truncate
  BEFORE TRUNCATE ON aos_trace_steps
  FOR EACH STATEMENT EXECUTE FUNCTION aos_trace_steps_refuse_change();

CREATE FUNCTION aos_trace_steps_check_append() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  last_index integer;
BEGIN
  -- The row lock serialises appends to one trace and makes sealing wait for them.
  SELECT status, sealed_at, run_id, tenant_id INTO t
    FROM aos_traces WHERE trace_id = NEW.trace_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'trace step append refused: trace % does not exist', NEW.trace_id
      USING ERRCODE = 'AO001';
  END IF;
  IF t.sealed_at IS NOT NULL THEN
    RAISE EXCEPTION 'trace step append refused: trace % is sealed', NEW.trace_id
      USING ERRCODE = 'AO001';
  END IF;
  IF t.status <> 'running' THEN
    RAISE EXCEPTION 'trace step append refused: trace % is %, not running', NEW.trace_id, t.status
      USING ERRCODE = 'AO001';
  END IF;
  IF NEW.run_id IS DISTINCT FROM t.run_id OR NEW.tenant_id IS DISTINCT FROM t.tenant_id THEN
    RAISE EXCEPTION 'trace step append refused: run_id and tenant_id must match trace %', NEW.trace_id
      USING ERRCODE = 'AO001';
  END IF;
  SELECT step_index INTO last_index
    FROM aos_trace_steps WHERE trace_id = NEW.trace_id
    ORDER BY step_index DESC LIMIT 1;
  IF NEW.step_index <> COALESCE(last_index + 1, 0) THEN
    RAISE EXCEPTION 'trace step append refused: step_index must be % (no gaps, no duplicates), got %',
      COALESCE(last_index + 1, 0), NEW.step_index
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER aos_trace_steps_append_only
  BEFORE INSERT ON aos_trace_steps
  FOR EACH ROW EXECUTE FUNCTION aos_trace_steps_check_append();

CREATE FUNCTION aos_traces_guard_update() RETURNS trigger
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
  -- Sealing: the seal columns go from NULL to values together, exactly once, on a terminal trace.
  IF NEW.root_hash IS DISTINCT FROM OLD.root_hash
     OR NEW.merkle_root IS DISTINCT FROM OLD.merkle_root
     OR NEW.chain_length IS DISTINCT FROM OLD.chain_length
     OR NEW.checkpoint IS DISTINCT FROM OLD.checkpoint
     OR NEW.sealed_at IS DISTINCT FROM OLD.sealed_at THEN
    IF NEW.root_hash IS NULL OR NEW.merkle_root IS NULL OR NEW.chain_length IS NULL
       OR NEW.checkpoint IS NULL OR NEW.sealed_at IS NULL THEN
      RAISE EXCEPTION 'trace sealing refused: root_hash, merkle_root, chain_length, checkpoint and sealed_at are set together'
        USING ERRCODE = 'AO001';
    END IF;
    IF NEW.status = 'running' THEN
      RAISE EXCEPTION 'trace sealing refused: trace % is still running', OLD.trace_id
        USING ERRCODE = 'AO001';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER aos_traces_update_rules
  BEFORE UPDATE ON aos_traces
  FOR EACH ROW EXECUTE FUNCTION aos_traces_guard_update();

CREATE FUNCTION aos_traces_refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'traces are never deleted: % of aos_traces is refused', TG_OP
    USING ERRCODE = 'AO001';
END;
$$;

CREATE TRIGGER aos_traces_no_delete
  BEFORE DELETE ON aos_traces
  FOR EACH ROW EXECUTE FUNCTION aos_traces_refuse_delete();

CREATE TRIGGER aos_traces_no_truncate
  BEFORE TRUNCATE ON aos_traces
  FOR EACH STATEMENT EXECUTE FUNCTION aos_traces_refuse_delete();

CREATE FUNCTION runs_guard_identity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id
     OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
     OR NEW.agent_id IS DISTINCT FROM OLD.agent_id
     OR NEW.goal IS DISTINCT FROM OLD.goal
     OR NEW.origin_system_id IS DISTINCT FROM OLD.origin_system_id THEN
    RAISE EXCEPTION 'run identity is immutable: id, tenant_id, agent_id, goal and origin_system_id of run % cannot change', OLD.id
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER runs_identity_immutable
  BEFORE UPDATE ON runs
  FOR EACH ROW EXECUTE FUNCTION runs_guard_identity();
