-- Tenant secrets (SPEC §6.3): credentials plans reference as {{secrets.NAME}} and the runner
-- resolves at execution. Values are AES-256-GCM ciphertext under the deployment's data key
-- (AOS_DATA_KEY or AOS_HOME/data.key), with the tenant and name bound as additional
-- authenticated data, so a row copied to another tenant or name does not decrypt. `key_id`
-- names the data key a value was written with (a hash of the key, not the key), so reading
-- under another key is reported as such rather than as tampering.
CREATE TABLE tenant_secrets (
  tenant_id  text NOT NULL CHECK (btrim(tenant_id) <> ''),
  name       text NOT NULL CONSTRAINT tenant_secrets_name_format CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$'),
  ciphertext bytea NOT NULL,
  iv         bytea NOT NULL CHECK (octet_length(iv) = 12),
  auth_tag   bytea NOT NULL CHECK (octet_length(auth_tag) = 16),
  key_id     text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, name)
);
