-- SPEC §13: one append-only transparency log per tenant. Leaf i of a tenant's log is a sealed
-- run (tenant_log_leaves, dense log_index); the RFC 9162 tree is stored as the hash of every
-- perfect subtree the moment its last leaf exists (tenant_log_nodes, level >= 1; level 0 is
-- the leaf hash), so a proof reads O(log n) rows and nothing is recomputed; every checkpoint
-- ever signed is kept with the witnesses' cosignatures. Sealed traces wait in tenant_log_queue
-- until the sequencer integrates them (a trigger queues every seal, so none can skip the log).
-- Every refusal raises SQLSTATE 'AO001' with a message that names the rule it enforces.

CREATE TABLE tenant_log_leaves (
  tenant_id text NOT NULL,
  log_index bigint NOT NULL CHECK (log_index >= 0),
  run_id uuid NOT NULL,
  trace_id text NOT NULL UNIQUE,
  leaf jsonb NOT NULL,
  leaf_hash text NOT NULL CHECK (leaf_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, log_index)
);

CREATE TABLE tenant_log_nodes (
  tenant_id text NOT NULL,
  level integer NOT NULL CHECK (level BETWEEN 1 AND 62),
  node_index bigint NOT NULL CHECK (node_index >= 0),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (tenant_id, level, node_index)
);

CREATE TABLE tenant_log_checkpoints (
  tenant_id text NOT NULL,
  tree_size bigint NOT NULL CHECK (tree_size >= 1),
  root_hash text NOT NULL CHECK (root_hash ~ '^[0-9a-f]{64}$'),
  checkpoint text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, tree_size)
);

CREATE TABLE tenant_log_cosignatures (
  tenant_id text NOT NULL,
  tree_size bigint NOT NULL,
  witness text NOT NULL,
  signature text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, tree_size, witness),
  FOREIGN KEY (tenant_id, tree_size) REFERENCES tenant_log_checkpoints (tenant_id, tree_size)
);

CREATE TABLE tenant_log_queue (
  trace_id text PRIMARY KEY REFERENCES aos_traces (trace_id),
  tenant_id text NOT NULL,
  sealed_at timestamptz(3) NOT NULL
);
CREATE INDEX tenant_log_queue_order ON tenant_log_queue (tenant_id, sealed_at, trace_id);

-- Append-only: no row of the log, its tree, its checkpoints or its cosignatures ever changes.
CREATE FUNCTION aos_tenant_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'AO001';
END;
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tenant_log_leaves', 'tenant_log_nodes', 'tenant_log_checkpoints', 'tenant_log_cosignatures'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I
                    FOR EACH ROW EXECUTE FUNCTION aos_tenant_log_refuse_change()', t || '_no_update_delete', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION aos_tenant_log_refuse_change()', t || '_no_truncate', t);
  END LOOP;
END
$$;

-- A leaf is appended at the end of its tenant's log (no gap, no duplicate), for a sealed trace
-- of that tenant and run, stating that trace's sealed values.
CREATE FUNCTION aos_tenant_log_check_leaf() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  IF NEW.log_index > 0 AND NOT EXISTS (
       SELECT 1 FROM tenant_log_leaves WHERE tenant_id = NEW.tenant_id AND log_index = NEW.log_index - 1) THEN
    RAISE EXCEPTION 'tenant log append refused: log_index % of tenant % leaves a gap', NEW.log_index, NEW.tenant_id
      USING ERRCODE = 'AO001';
  END IF;
  SELECT tenant_id, run_id, sealed_at, root_hash, merkle_root INTO t FROM aos_traces WHERE trace_id = NEW.trace_id;
  IF NOT FOUND OR t.sealed_at IS NULL THEN
    RAISE EXCEPTION 'tenant log append refused: trace % is not sealed', NEW.trace_id
      USING ERRCODE = 'AO001';
  END IF;
  IF t.tenant_id IS DISTINCT FROM NEW.tenant_id OR t.run_id IS DISTINCT FROM NEW.run_id
     OR NEW.leaf->>'tenant_id' IS DISTINCT FROM NEW.tenant_id
     OR (NEW.leaf->>'log_index')::bigint IS DISTINCT FROM NEW.log_index
     OR NEW.leaf->>'run_id' IS DISTINCT FROM NEW.run_id::text
     OR NEW.leaf->>'trace_id' IS DISTINCT FROM NEW.trace_id
     OR NEW.leaf->>'root_hash' IS DISTINCT FROM t.root_hash
     OR NEW.leaf->>'merkle_root' IS DISTINCT FROM t.merkle_root THEN
    RAISE EXCEPTION 'tenant log append refused: the leaf for trace % does not state its tenant, run, index and sealed roots', NEW.trace_id
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER tenant_log_leaves_check_append
  BEFORE INSERT ON tenant_log_leaves
  FOR EACH ROW EXECUTE FUNCTION aos_tenant_log_check_leaf();

-- A checkpoint covers the whole log as it stands (every leaf, no more), and sizes only grow.
CREATE FUNCTION aos_tenant_log_check_checkpoint() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM tenant_log_leaves WHERE tenant_id = NEW.tenant_id AND log_index = NEW.tree_size - 1)
     OR EXISTS (SELECT 1 FROM tenant_log_leaves WHERE tenant_id = NEW.tenant_id AND log_index = NEW.tree_size) THEN
    RAISE EXCEPTION 'tenant checkpoint refused: size % is not the size of the log of tenant %', NEW.tree_size, NEW.tenant_id
      USING ERRCODE = 'AO001';
  END IF;
  IF EXISTS (SELECT 1 FROM tenant_log_checkpoints WHERE tenant_id = NEW.tenant_id AND tree_size >= NEW.tree_size) THEN
    RAISE EXCEPTION 'tenant checkpoint refused: tenant % has a checkpoint of size % or more already', NEW.tenant_id, NEW.tree_size
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER tenant_log_checkpoints_check_append
  BEFORE INSERT ON tenant_log_checkpoints
  FOR EACH ROW EXECUTE FUNCTION aos_tenant_log_check_checkpoint();

-- Every seal is queued for the log in the transaction that seals.
-- SECURITY DEFINER: the queue row is the database's doing, not the sealing role's.
CREATE FUNCTION aos_tenant_log_enqueue_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  IF OLD.sealed_at IS NULL AND NEW.sealed_at IS NOT NULL THEN
    INSERT INTO tenant_log_queue (trace_id, tenant_id, sealed_at) VALUES (NEW.trace_id, NEW.tenant_id, NEW.sealed_at);
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER aos_traces_enqueue_seal
  AFTER UPDATE ON aos_traces
  FOR EACH ROW EXECUTE FUNCTION aos_tenant_log_enqueue_seal();

-- Traces sealed before tenant logs existed join their logs in seal order.
INSERT INTO tenant_log_queue (trace_id, tenant_id, sealed_at)
SELECT trace_id, tenant_id, sealed_at FROM aos_traces WHERE sealed_at IS NOT NULL;

-- Which tenants have sealed runs waiting (the sequencer works across tenants, then for each one
-- under its tenant's policies).
CREATE FUNCTION aos_tenant_log_pending() RETURNS TABLE (tenant_id text, pending bigint)
LANGUAGE sql STABLE SECURITY DEFINER AS $$
  SELECT q.tenant_id, count(*) FROM tenant_log_queue q GROUP BY q.tenant_id ORDER BY min(q.sealed_at)
$$;

-- Which tenants' newest checkpoint the witness `p_witness` has not cosigned (a restarted
-- sequencer resumes submitting them).
CREATE FUNCTION aos_tenant_log_uncosigned(p_witness text) RETURNS TABLE (tenant_id text)
LANGUAGE sql STABLE SECURITY DEFINER AS $$
  SELECT c.tenant_id
    FROM (SELECT DISTINCT ON (tenant_id) tenant_id, tree_size FROM tenant_log_checkpoints
           ORDER BY tenant_id, tree_size DESC) c
   WHERE NOT EXISTS (SELECT 1 FROM tenant_log_cosignatures s
                      WHERE s.tenant_id = c.tenant_id AND s.tree_size = c.tree_size AND s.witness = p_witness)
$$;

-- Row-level security and grants, as in 0007: aos_app reads and appends its tenant's log and
-- removes integrated entries from its tenant's queue; aos_audit reads everything.
GRANT SELECT, INSERT ON tenant_log_leaves, tenant_log_nodes, tenant_log_checkpoints, tenant_log_cosignatures TO aos_app;
GRANT SELECT, DELETE ON tenant_log_queue TO aos_app;
GRANT SELECT ON tenant_log_leaves, tenant_log_nodes, tenant_log_checkpoints, tenant_log_cosignatures,
  tenant_log_queue TO aos_audit;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tenant_log_leaves', 'tenant_log_nodes', 'tenant_log_checkpoints',
                           'tenant_log_cosignatures', 'tenant_log_queue'] LOOP
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
-- The owner defines the functions above: it queues seals and lists the waiting tenants and the
-- checkpoints a witness has not cosigned.
CREATE POLICY tenant_log_queue_owner_insert ON tenant_log_queue FOR INSERT TO aos_owner WITH CHECK (true);
CREATE POLICY tenant_log_queue_owner_read ON tenant_log_queue FOR SELECT TO aos_owner USING (true);
CREATE POLICY tenant_log_checkpoints_owner_read ON tenant_log_checkpoints FOR SELECT TO aos_owner USING (true);
CREATE POLICY tenant_log_cosignatures_owner_read ON tenant_log_cosignatures FOR SELECT TO aos_owner USING (true);
GRANT EXECUTE ON FUNCTION aos_tenant_log_pending(), aos_tenant_log_uncosigned(text) TO aos_app;
