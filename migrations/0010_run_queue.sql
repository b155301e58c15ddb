-- SPEC §14: service mode queues runs with graphile-worker. Its schema (graphile_worker) is
-- installed by graphile-worker's own migrations, which `int-cli migrate` (and every migrating
-- open of a Postgres server store) runs before these; the embedded database has no queue (local
-- mode executes inline), so everything here that names the queue is conditional.
--
-- aos_enqueue_run is the only way the app role reaches the queue: it adds the one job of one of
-- the session tenant's own runs, in the caller's transaction, so a run is never created without
-- its job nor a job without its run. Workers (aos_worker) run graphile-worker itself, which reads
-- and writes the queue's tables directly. Every refusal raises SQLSTATE 'AO001'.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aos_worker') THEN
    RAISE EXCEPTION 'the role aos_worker does not exist: run int-cli db roles first (as a role that may create roles), then migrate again'
      USING ERRCODE = 'undefined_object';
  END IF;
END
$$;

-- SECURITY DEFINER: the app role may not touch the queue's tables; the function adds exactly one
-- job (key = the run's id, so a repeat replaces the waiting job instead of adding another) for a
-- run its session's tenant owns that is waiting to execute. `p_run_at` NULL means now.
CREATE FUNCTION aos_enqueue_run(p_run_id uuid, p_run_at timestamptz) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  v_tenant text := NULLIF(current_setting('aos.tenant_id', true), '');
BEGIN
  IF to_regnamespace('graphile_worker') IS NULL THEN
    RAISE EXCEPTION 'run queue refused: the graphile_worker schema is not installed (run int-cli migrate against the Postgres server)'
      USING ERRCODE = 'AO001';
  END IF;
  IF v_tenant IS NULL OR NOT EXISTS (
    SELECT 1 FROM runs WHERE id = p_run_id AND tenant_id = v_tenant AND status IN ('queued', 'retry')
  ) THEN
    RAISE EXCEPTION 'run queue refused: run % is not a queued or retry run of tenant %', p_run_id, coalesce(v_tenant, '(none)')
      USING ERRCODE = 'AO001';
  END IF;
  -- Named in dynamic SQL so this function exists on a database without the queue.
  -- The job names the run's tenant, which the worker executes it as.
  EXECUTE 'SELECT graphile_worker.add_job($1, json_build_object(''run_id'', $2, ''tenant_id'', $4), run_at := $3, job_key := $2::text, max_attempts := 5)'
    USING 'aos_execute_run', p_run_id, coalesce(p_run_at, now()), v_tenant;
END;
$$;

REVOKE EXECUTE ON FUNCTION aos_enqueue_run(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aos_enqueue_run(uuid, timestamptz) TO aos_app;

-- The queue itself is aos_worker's: graphile-worker's runner selects, locks, completes and
-- reschedules jobs. graphile-worker enables row-level security on its tables with no policy, so
-- that only their owner reaches them; aos_worker gets every row of each (the queue has no tenant
-- column: the tenant is in each job's payload, written by aos_enqueue_run from the enqueuing
-- session). Idempotent, and called again by `int-cli migrate` after graphile-worker's own
-- migrations, so a table a later graphile-worker version adds is covered too.
CREATE FUNCTION aos_grant_run_queue() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  IF to_regnamespace('graphile_worker') IS NULL THEN
    RETURN;
  END IF;
  GRANT USAGE ON SCHEMA graphile_worker TO aos_worker;
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA graphile_worker TO aos_worker;
  GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA graphile_worker TO aos_worker;
  GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphile_worker TO aos_worker;
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'graphile_worker' AND c.relkind = 'r' AND c.relrowsecurity
              AND NOT EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'graphile_worker'
                                AND p.tablename = c.relname AND p.policyname = 'aos_worker_queue') LOOP
    EXECUTE format('CREATE POLICY aos_worker_queue ON graphile_worker.%I TO aos_worker USING (true) WITH CHECK (true)', t.relname);
  END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION aos_grant_run_queue() FROM PUBLIC;
SELECT aos_grant_run_queue();

-- What the recovery task (every 15 s, SPEC §14) takes, across tenants: running runs whose lease
-- expired (their worker died or stalled), and runs waiting to execute that have no live job — a
-- `retry` run whose time has come, or a `queued` run older than `p_queued_grace` (its creator
-- stopped before executing it, or it was created outside the service) — none, or one that
-- graphile-worker gave up on (its task threw max_attempts times: the database was away). Each is
-- then handled as its own tenant; enqueueing again re-arms a given-up job.
CREATE FUNCTION aos_runs_to_recover(p_queued_grace interval, p_limit integer)
RETURNS TABLE (run_id uuid, tenant_id text, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
BEGIN
  RETURN QUERY
    SELECT r.id, r.tenant_id, 'lease_expired'::text FROM runs r
     WHERE r.status = 'running' AND r.lease_expires_at < now()
     ORDER BY r.lease_expires_at LIMIT p_limit;
  IF to_regnamespace('graphile_worker') IS NOT NULL THEN
    RETURN QUERY EXECUTE
      'SELECT r.id, r.tenant_id, ''unqueued''::text FROM runs r
        WHERE ((r.status = ''retry'' AND r.next_attempt_at <= now())
            OR (r.status = ''queued'' AND r.created_at <= now() - $1))
          AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs j
                           WHERE j.key = r.id::text AND j.attempts < j.max_attempts)
        ORDER BY r.created_at LIMIT $2'
      USING p_queued_grace, p_limit;
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION aos_runs_to_recover(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aos_runs_to_recover(interval, integer) TO aos_app;
