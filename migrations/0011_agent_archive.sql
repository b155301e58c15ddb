-- Agent lifecycle (docs/cus-cli.md, "Agents"): a tenant pauses, resumes and archives its agents.
-- An agent is never deleted (its runs refer to it); archiving is how it is retired, and it is
-- final: an archived agent never becomes active (or anything else) again, whoever asks. Only
-- an active agent can start a run (create-run checks it; nothing here changes that rule).
-- Refusals raise SQLSTATE 'AO001' with a message that names the rule.

ALTER TABLE agents
  DROP CONSTRAINT agents_status_check,
  ADD CONSTRAINT agents_status_check CHECK (status IN ('active', 'paused', 'disabled', 'archived'));

CREATE FUNCTION aos_agents_guard_archive() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'archived' AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'archived agent % is final: its status cannot move from archived to %', OLD.id, NEW.status
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER agents_guard_archive
  BEFORE UPDATE OF status ON agents
  FOR EACH ROW EXECUTE FUNCTION aos_agents_guard_archive();
