-- Core tables of SPEC §3.1 and §8. Never edit after it lands: add a new migration instead.

CREATE TABLE agents (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    text NULL CHECK (tenant_id IS NULL OR btrim(tenant_id) <> ''),
  name         text NOT NULL CHECK (btrim(name) <> ''),
  description  text NOT NULL DEFAULT '',
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'disabled')),
  budget_cents bigint NULL CHECK (budget_cents IS NULL OR budget_cents >= 0),
  spent_cents  double precision NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_tenant_idx ON agents (tenant_id);

CREATE TABLE runs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        text NOT NULL CHECK (btrim(tenant_id) <> ''),
  agent_id         uuid NOT NULL REFERENCES agents (id),
  origin_system_id text NOT NULL
    CONSTRAINT runs_origin_system_id_valid
    CHECK (btrim(origin_system_id) <> '' AND origin_system_id <> 'legacy-migration'),
  goal             text NOT NULL CHECK (btrim(goal) <> ''),
  status           text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'retry', 'halted')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  error_message    text NULL,
  plan_json        jsonb NULL,
  plan_hash        text NULL CHECK (plan_hash IS NULL OR plan_hash ~ '^[0-9a-f]{64}$'),
  idempotency_key  text NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz NULL,
  completed_at     timestamptz NULL,
  next_attempt_at  timestamptz NULL,
  duration_ms      double precision NULL,
  CONSTRAINT runs_tenant_idempotency_key_unique UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX runs_tenant_created_idx ON runs (tenant_id, created_at DESC);
CREATE INDEX runs_status_next_attempt_idx ON runs (status, next_attempt_at);

CREATE TABLE aos_traces (
  trace_id       text PRIMARY KEY,
  run_id         uuid NOT NULL UNIQUE REFERENCES runs (id),
  tenant_id      text NOT NULL,
  agent_id       uuid NULL,
  plan           jsonb NULL,
  plan_hash      text NOT NULL,
  schema_version text NOT NULL DEFAULT 'aos.trace.v2',
  status         text NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'completed', 'failed', 'aborted')),
  started_at     timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz NULL,
  genesis_hash   text NOT NULL,
  root_hash      text NULL,
  merkle_root    text NULL,
  chain_length   integer NULL,
  checkpoint     text NULL,
  sealed_at      timestamptz NULL,
  metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT aos_traces_trace_id_format CHECK (trace_id = 'trace_' || run_id::text)
);
CREATE INDEX aos_traces_tenant_idx ON aos_traces (tenant_id);

CREATE TABLE aos_trace_steps (
  trace_id         text NOT NULL REFERENCES aos_traces (trace_id),
  step_index       integer NOT NULL CHECK (step_index >= 0),
  run_id           uuid NOT NULL,
  tenant_id        text NOT NULL,
  attempt          integer NOT NULL DEFAULT 1,
  plan_step_id     text NULL,
  skill_id         text NULL,
  skill_name       text NULL,
  skill_version    text NULL,
  params           jsonb NULL,
  status           text NOT NULL CHECK (status IN ('success', 'failure', 'skipped')),
  outcome_category text NULL,
  outcome_code     text NULL,
  outcome_data     jsonb NULL,
  error            text NULL,
  cost_cents       double precision NOT NULL DEFAULT 0,
  duration_ms      double precision NULL,
  retry_count      integer NOT NULL DEFAULT 0,
  replay_behavior  text NOT NULL DEFAULT 'execute' CHECK (replay_behavior IN ('execute', 'skip', 'check')),
  started_at       timestamptz NULL,
  completed_at     timestamptz NULL,
  leaf_hash        text NOT NULL,
  prev_hash        text NOT NULL,
  step_hash        text NOT NULL,
  PRIMARY KEY (trace_id, step_index)
);
CREATE INDEX aos_trace_steps_run_idx ON aos_trace_steps (run_id);

CREATE TABLE tenant_quotas (
  tenant_id           text PRIMARY KEY CHECK (btrim(tenant_id) <> ''),
  daily_limit_cents   double precision NOT NULL DEFAULT 10000 CHECK (daily_limit_cents >= 0),
  hourly_limit_cents  double precision NOT NULL DEFAULT 1000 CHECK (hourly_limit_cents >= 0),
  request_limit_cents double precision NOT NULL DEFAULT 100 CHECK (request_limit_cents >= 0),
  run_limit_cents     double precision NOT NULL DEFAULT 500 CHECK (run_limit_cents >= 0),
  warn_threshold      double precision NOT NULL DEFAULT 0.8 CHECK (warn_threshold > 0 AND warn_threshold <= 1),
  hard_limit          boolean NOT NULL DEFAULT true,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cost_events (
  id          bigserial PRIMARY KEY,
  tenant_id   text NOT NULL,
  run_id      uuid NULL REFERENCES runs (id),
  agent_id    uuid NULL,
  skill       text NULL,
  trace_id    text NULL,
  step_index  integer NULL,
  cost_cents  double precision NOT NULL CHECK (cost_cents >= 0),
  tokens      integer NULL CHECK (tokens IS NULL OR tokens >= 0),
  model       text NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cost_events_tenant_created_idx ON cost_events (tenant_id, created_at);
CREATE INDEX cost_events_run_idx ON cost_events (run_id);

CREATE TABLE budget_alerts (
  id           bigserial PRIMARY KEY,
  tenant_id    text NOT NULL,
  run_id       uuid NULL,
  level        text NOT NULL CHECK (level IN ('warn', 'exceeded', 'critical')),
  period       text NOT NULL CHECK (period IN ('request', 'hourly', 'daily', 'run')),
  message      text NOT NULL,
  spend_cents  double precision NOT NULL,
  limit_cents  double precision NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX budget_alerts_tenant_created_idx ON budget_alerts (tenant_id, created_at);

-- Durable per-tenant key/value store used by the kv_store skill.
CREATE TABLE kv_entries (
  tenant_id  text NOT NULL,
  key        text NOT NULL,
  value      jsonb NOT NULL,
  expires_at timestamptz NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);
