-- SPEC §3.1a: tenant isolation enforced by Postgres. The roles exist first (int-cli db roles;
-- a superuser store creates them itself before migrating). aos_app works under the policies
-- below with exactly the grants it needs: no DELETE, no TRUNCATE, no UPDATE of a column that
-- never changes after insert (§3.2), no DDL. aos_audit reads everything. The session's tenant
-- is `aos.tenant_id` (set by the store's handles on every connection they use); with none set,
-- NULLIF turns '' into NULL and every tenant policy is false: a query sees nothing.

DO $$
BEGIN
  IF (SELECT count(*) FROM pg_roles WHERE rolname IN ('aos_owner', 'aos_app', 'aos_audit')) <> 3 THEN
    RAISE EXCEPTION 'the roles aos_owner, aos_app and aos_audit do not exist: run int-cli db roles first (as a role that may create roles), then migrate again'
      USING ERRCODE = 'undefined_object';
  END IF;
END
$$;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO aos_app, aos_audit', current_schema());
END
$$;

-- Reads: the app reads its tenant's rows (the policies decide which), tenants and key hashes
-- (a key is looked up before its tenant is known), and the migration record (readiness).
GRANT SELECT ON agents, runs, aos_traces, aos_trace_steps, tenant_quotas, cost_events, budget_alerts,
  kv_entries, budget_reservations, tenant_secrets, tenants, api_keys, aos_migrations TO aos_app;
GRANT INSERT ON agents, runs, aos_traces, aos_trace_steps, tenant_quotas, cost_events, budget_alerts,
  kv_entries, budget_reservations, tenant_secrets TO aos_app;
GRANT USAGE ON SEQUENCE cost_events_id_seq, budget_alerts_id_seq, budget_reservations_id_seq TO aos_app;

-- Updates, column by column: only what the code changes, never an identity column. Columns
-- that go from NULL to a value once (a run's plan, a trace's seal) are granted here and held to
-- "once" by the triggers of 0002/0004.
GRANT UPDATE (status, updated_at) ON agents TO aos_app;
GRANT UPDATE (status, attempts, error_message, plan_json, plan_hash, started_at, completed_at,
  next_attempt_at, duration_ms) ON runs TO aos_app;
GRANT UPDATE (status, completed_at, metadata, root_hash, merkle_root, chain_length, checkpoint,
  sealed_at, header_envelope, header_hash, outcome_envelope, outcome_hash) ON aos_traces TO aos_app;
GRANT UPDATE (daily_limit_cents, hourly_limit_cents, request_limit_cents, run_limit_cents,
  warn_threshold, hard_limit, updated_at) ON tenant_quotas TO aos_app;
GRANT UPDATE (value, expires_at, updated_at) ON kv_entries TO aos_app;
GRANT UPDATE (ciphertext, iv, auth_tag, key_id, updated_at) ON tenant_secrets TO aos_app;
GRANT UPDATE (last_used_at) ON api_keys TO aos_app;

GRANT SELECT ON agents, runs, aos_traces, aos_trace_steps, tenant_quotas, cost_events, budget_alerts,
  kv_entries, budget_reservations, tenant_secrets, tenants, api_keys, aos_migrations TO aos_audit;

-- The policies. FORCE makes them bind the tables' owner too (a superuser still bypasses them:
-- embedded and test stores open as one and switch to aos_app for tenant work).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['agents', 'runs', 'aos_traces', 'aos_trace_steps', 'tenant_quotas', 'cost_events',
                           'budget_alerts', 'kv_entries', 'budget_reservations', 'tenant_secrets'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I TO aos_app
                      USING (tenant_id = NULLIF(current_setting('aos.tenant_id', true), ''))
                      WITH CHECK (tenant_id = NULLIF(current_setting('aos.tenant_id', true), ''))$p$,
                   t || '_tenant', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO aos_audit USING (true)', t || '_audit', t);
  END LOOP;
END
$$;

-- Shared agents (tenant_id NULL) are readable by every tenant and writable by none through
-- aos_app: this policy is SELECT only, and the tenant policy's WITH CHECK refuses NULL. With no
-- tenant set they are not readable either: nothing is.
CREATE POLICY agents_shared_read ON agents FOR SELECT TO aos_app
  USING (tenant_id IS NULL AND NULLIF(current_setting('aos.tenant_id', true), '') IS NOT NULL);

-- The owner (a member of aos_owner when it is not a superuser) is bound by FORCE as well. It
-- creates shared agents (operator work, no tenant set), and it is the definer of the functions
-- below, which act for the caller's tenant (and, for a shared agent's budget, read the holds of
-- every tenant on that agent).
CREATE POLICY agents_owner ON agents TO aos_owner
  USING (tenant_id IS NULL OR tenant_id = NULLIF(current_setting('aos.tenant_id', true), ''))
  WITH CHECK (tenant_id IS NULL OR tenant_id = NULLIF(current_setting('aos.tenant_id', true), ''));
CREATE POLICY budget_reservations_owner_read ON budget_reservations FOR SELECT TO aos_owner USING (true);
CREATE POLICY budget_reservations_owner_delete ON budget_reservations FOR DELETE TO aos_owner
  USING (tenant_id = NULLIF(current_setting('aos.tenant_id', true), ''));
CREATE POLICY kv_entries_owner ON kv_entries TO aos_owner
  USING (tenant_id = NULLIF(current_setting('aos.tenant_id', true), ''));
CREATE POLICY tenant_secrets_owner ON tenant_secrets TO aos_owner
  USING (tenant_id = NULLIF(current_setting('aos.tenant_id', true), ''));

-- aos_app may not DELETE anything. The few deletions AOS makes (a kv entry, a secret, a settled
-- budget hold) and the two cross-tenant touches of a shared agent (its budget lock and its
-- spend) are these SECURITY DEFINER functions instead: each does exactly one thing for the one
-- tenant aos_acting_tenant() allows, with the tenant predicate written out because a superuser
-- owner bypasses the policies.

-- The tenant a definer function may act for: `p_tenant` when it is the session's tenant, or
-- when no tenant is set and the session works as its own login (no SET ROLE) and that login
-- bypasses row-level security anyway (an operator's superuser, the embedded store's admin
-- handle). Otherwise NULL, and the function does nothing.
CREATE FUNCTION aos_acting_tenant(p_tenant text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_tenant = NULLIF(current_setting('aos.tenant_id', true), '') THEN p_tenant
    WHEN NULLIF(current_setting('aos.tenant_id', true), '') IS NULL
         AND current_setting('role') = 'none'
         AND (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.rolname = session_user)
      THEN p_tenant
  END
$$;

-- Deletes the tenant's entry `p_key`; true when it was live (not expired).
CREATE FUNCTION aos_kv_delete(p_tenant text, p_key text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER AS $$
  WITH gone AS (
    DELETE FROM kv_entries
     WHERE tenant_id = aos_acting_tenant(p_tenant) AND key = p_key
    RETURNING (expires_at IS NULL OR expires_at > now()) AS was_live
  )
  SELECT COALESCE((SELECT was_live FROM gone), false)
$$;

-- Deletes up to 100 of the tenant's expired entries; returns how many.
CREATE FUNCTION aos_kv_purge_expired(p_tenant text) RETURNS integer
LANGUAGE sql SECURITY DEFINER AS $$
  WITH gone AS (
    DELETE FROM kv_entries
     WHERE tenant_id = aos_acting_tenant(p_tenant)
       AND key IN (SELECT key FROM kv_entries
                    WHERE tenant_id = aos_acting_tenant(p_tenant) AND expires_at <= now()
                    LIMIT 100)
    RETURNING 1
  )
  SELECT count(*)::int FROM gone
$$;

-- Deletes the tenant's secret `p_name`; returns what it was (no row: there was none).
CREATE FUNCTION aos_secret_delete(p_tenant text, p_name text)
RETURNS TABLE (name text, created_at timestamptz, updated_at timestamptz)
LANGUAGE sql SECURITY DEFINER AS $$
  DELETE FROM tenant_secrets s
   WHERE s.tenant_id = aos_acting_tenant(p_tenant) AND s.name = p_name
  RETURNING s.name, s.created_at, s.updated_at
$$;

-- Drops the tenant's budget hold `p_id` (settled by its cost event, or never used); returns
-- its estimate, NULL when there was none.
CREATE FUNCTION aos_reservation_release(p_tenant text, p_id bigint) RETURNS double precision
LANGUAGE sql SECURITY DEFINER AS $$
  WITH gone AS (
    DELETE FROM budget_reservations
     WHERE tenant_id = aos_acting_tenant(p_tenant) AND id = p_id
    RETURNING estimate_cents
  )
  SELECT (SELECT estimate_cents FROM gone)
$$;

-- Drops every budget hold of the tenant's run `p_run` (a stale run being recovered).
CREATE FUNCTION aos_reservations_release_run(p_tenant text, p_run uuid) RETURNS integer
LANGUAGE sql SECURITY DEFINER AS $$
  WITH gone AS (
    DELETE FROM budget_reservations
     WHERE tenant_id = aos_acting_tenant(p_tenant) AND run_id = p_run
    RETURNING 1
  )
  SELECT count(*)::int FROM gone
$$;

-- Locks an agent the tenant may use (its own or a shared one) and returns its budget, its
-- recorded spend and the live holds of every tenant on it. The holds are read after the lock,
-- in a statement of their own, so they include every hold committed before it was granted.
CREATE FUNCTION aos_agent_budget_lock(p_tenant text, p_agent uuid)
RETURNS TABLE (budget_cents bigint, spent_cents double precision, held_cents double precision)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  tenant text := aos_acting_tenant(p_tenant);
  a record;
BEGIN
  IF tenant IS NULL THEN
    RETURN;
  END IF;
  SELECT g.budget_cents, g.spent_cents INTO a
    FROM agents g WHERE g.id = p_agent AND (g.tenant_id = tenant OR g.tenant_id IS NULL)
    FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  budget_cents := a.budget_cents;
  spent_cents := a.spent_cents;
  SELECT COALESCE(sum(r.estimate_cents), 0)::float8 INTO held_cents
    FROM budget_reservations r WHERE r.agent_id = p_agent AND r.expires_at > now();
  RETURN NEXT;
END
$$;

-- Adds a recorded cost to an agent the tenant may use (its own or a shared one).
CREATE FUNCTION aos_agent_add_spend(p_tenant text, p_agent uuid, p_cents double precision) RETURNS void
LANGUAGE sql SECURITY DEFINER AS $$
  UPDATE agents
     SET spent_cents = spent_cents + p_cents, updated_at = now()
   WHERE id = p_agent AND p_cents > 0
     AND aos_acting_tenant(p_tenant) IS NOT NULL
     AND (tenant_id = aos_acting_tenant(p_tenant) OR tenant_id IS NULL)
$$;

-- A definer function runs with a fixed search_path (no object of the caller's, temporary ones
-- included, can stand in for a table) and only aos_app may call it.
DO $$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['aos_acting_tenant(text)', 'aos_kv_delete(text, text)', 'aos_kv_purge_expired(text)',
                           'aos_secret_delete(text, text)', 'aos_reservation_release(text, bigint)',
                           'aos_reservations_release_run(text, uuid)', 'aos_agent_budget_lock(text, uuid)',
                           'aos_agent_add_spend(text, uuid, double precision)'] LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO aos_app', f);
  END LOOP;
END
$$;
