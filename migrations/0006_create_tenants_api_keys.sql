-- Tenants and their API keys (SPEC §12): in service mode a customer's tenant is its key's
-- tenant, never a flag. A key reads `aos_<prefix>_<secret>`; only its SHA-256 is stored, and the
-- prefix (unique, shown in lists) finds the row without scanning. Keys are never deleted:
-- revocation sets revoked_at once, and a key's tenant, prefix, hash and scopes never change.
CREATE TABLE tenants (
  id         text PRIMARY KEY CHECK (btrim(id) <> '' AND length(id) <= 200),
  name       text NOT NULL CHECK (length(name) <= 200),
  status     text NOT NULL DEFAULT 'active' CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     text NOT NULL REFERENCES tenants (id),
  prefix        text NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{12}$'),
  secret_sha256 text NOT NULL CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
  scopes        text[] NOT NULL CONSTRAINT api_keys_scopes_check
                  CHECK (cardinality(scopes) > 0
                         AND scopes <@ ARRAY['runs:write', 'runs:read', 'proofs:read', 'secrets:write']::text[]),
  name          text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE FUNCTION api_keys_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'api_keys are never deleted: revoke a key instead (% refused)', TG_OP
      USING ERRCODE = 'AO001';
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id
     OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
     OR NEW.prefix IS DISTINCT FROM OLD.prefix
     OR NEW.secret_sha256 IS DISTINCT FROM OLD.secret_sha256
     OR NEW.scopes IS DISTINCT FROM OLD.scopes
     OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'api key % is immutable: only last_used_at and revoked_at change', OLD.prefix
      USING ERRCODE = 'AO001';
  END IF;
  IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
    RAISE EXCEPTION 'api key % is revoked for good: revoked_at never changes again', OLD.prefix
      USING ERRCODE = 'AO001';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER api_keys_guard_update
  BEFORE UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION api_keys_guard();
CREATE TRIGGER api_keys_no_truncate
  BEFORE TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION api_keys_guard();
