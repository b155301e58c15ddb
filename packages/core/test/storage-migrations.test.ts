import { readdirSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { describeEachDriver } from '@aos/testkit';
import { AosError, getMigrationStatus, MIGRATIONS, migrateToLatest } from '@aos/core/testing';

const SPEC_COLUMNS: Record<string, string[]> = {
  agents: [
    'id',
    'tenant_id',
    'name',
    'description',
    'status',
    'budget_cents',
    'spent_cents',
    'created_at',
    'updated_at',
  ],
  runs: [
    'id',
    'tenant_id',
    'agent_id',
    'origin_system_id',
    'goal',
    'status',
    'attempts',
    'max_attempts',
    'error_message',
    'plan_json',
    'plan_hash',
    'idempotency_key',
    'created_at',
    'started_at',
    'completed_at',
    'next_attempt_at',
    'duration_ms',
  ],
  aos_traces: [
    'trace_id',
    'run_id',
    'tenant_id',
    'agent_id',
    'plan',
    'plan_hash',
    'schema_version',
    'status',
    'started_at',
    'completed_at',
    'genesis_hash',
    'root_hash',
    'merkle_root',
    'chain_length',
    'checkpoint',
    'sealed_at',
    'metadata',
  ],
  aos_trace_steps: [
    'trace_id',
    'step_index',
    'run_id',
    'tenant_id',
    'attempt',
    'plan_step_id',
    'skill_id',
    'skill_name',
    'skill_version',
    'params',
    'status',
    'outcome_category',
    'outcome_code',
    'outcome_data',
    'error',
    'cost_cents',
    'duration_ms',
    'retry_count',
    'replay_behavior',
    'started_at',
    'completed_at',
    'leaf_hash',
    'prev_hash',
    'step_hash',
  ],
  tenant_quotas: [
    'tenant_id',
    'daily_limit_cents',
    'hourly_limit_cents',
    'request_limit_cents',
    'run_limit_cents',
    'warn_threshold',
    'hard_limit',
  ],
  cost_events: ['tenant_id', 'run_id', 'agent_id', 'skill', 'cost_cents', 'tokens', 'model', 'created_at'],
  budget_alerts: ['tenant_id', 'level', 'period', 'message', 'spend_cents', 'limit_cents', 'created_at'],
  tenant_secrets: ['tenant_id', 'name', 'ciphertext', 'iv', 'auth_tag', 'key_id', 'created_at', 'updated_at'],
};

describe('migration sources', () => {
  it('lists every file of migrations/ in order, and nothing else', () => {
    const files = readdirSync(new URL('../../../migrations/', import.meta.url))
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => f.replace(/\.sql$/, ''));
    expect(MIGRATIONS.map((m) => m.name)).toEqual(files);
    for (const name of files) expect(name).toMatch(/^\d{4}_[a-z]+(_[a-z0-9]+)+$/);
  });
});

describeEachDriver('migrations', (t) => {
  it('created every table and column the code reads', async () => {
    const db = await t.db();
    const rows = await sql<{ table_name: string; column_name: string }>`
      SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`.execute(db);
    for (const [table, columns] of Object.entries(SPEC_COLUMNS)) {
      const present = rows.rows.filter((r) => r.table_name === table).map((r) => r.column_name);
      expect(present, table).toEqual(expect.arrayContaining(columns));
    }
  });

  it('records every migration as applied, and applying again changes nothing', async () => {
    const db = await t.db();
    const status = await getMigrationStatus(db);
    expect(status.map((s) => s.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(status.every((s) => s.executedAt instanceof Date)).toBe(true);
    const again = await migrateToLatest(db);
    expect(again.applied).toEqual([]);
    expect(again.outcomes.every((o) => o.status === 'already-applied')).toBe(true);
  });

  it('rolls a failing migration back completely', async () => {
    const db = await t.db();
    const broken = [
      ...MIGRATIONS,
      { name: '9998_create_half_table', sql: 'CREATE TABLE half_done (x int);' },
      { name: '9999_break_things', sql: 'CREATE TABLE also_half (y int); SELECT no_such_function();' },
    ];
    const error = await migrateToLatest(db, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AosError);
    expect((error as AosError).code).toBe('MIGRATION_FAILED');
    expect((error as Error).message).toContain('9999_break_things');
    const tables = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM information_schema.tables
      WHERE table_name IN ('half_done', 'also_half')`.execute(db);
    expect(tables.rows[0]?.n).toBe(0);
    const status = await getMigrationStatus(db, broken);
    expect(status.filter((s) => s.executedAt === null).map((s) => s.name)).toEqual([
      '9998_create_half_table',
      '9999_break_things',
    ]);
  });
});
