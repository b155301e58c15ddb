import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { PROOF_TABLE_COLUMNS, type ProofColumnKind } from '@aos/proof/postgres';
import { describeEachDriver } from '@aos/testkit';
import { AGENT_STATUSES, REPLAY_BEHAVIORS, RUN_STATUSES, STEP_STATUSES, TRACE_STATUSES } from '@aos/core/testing';

// The TypeScript vocabularies and the CHECK constraints of migrations/ are written twice (SQL
// cannot import TypeScript); these tests keep the two equal on the migrated schema itself.
const VOCABULARIES: Record<string, readonly string[]> = {
  'agents.status': AGENT_STATUSES,
  'runs.status': RUN_STATUSES,
  'aos_traces.status': TRACE_STATUSES,
  'aos_trace_steps.status': STEP_STATUSES,
  'aos_trace_steps.replay_behavior': REPLAY_BEHAVIORS,
};

const TYPES_OF_KIND: Record<ProofColumnKind, readonly string[]> = {
  text: ['text', 'uuid'],
  number: ['integer', 'bigint', 'double precision'],
  json: ['jsonb'],
  timestamp: ['timestamp with time zone'],
};

describeEachDriver('schema vocabulary', (t) => {
  it('allows exactly the TypeScript vocabulary in each status column', async () => {
    const db = await t.db();
    const { rows } = await sql<{ table_name: string; column_name: string; definition: string }>`
      SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name,
             pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       WHERE c.contype = 'c' AND cardinality(c.conkey) = 1
         AND c.connamespace = 'public'::regnamespace`.execute(db);
    for (const [column, vocabulary] of Object.entries(VOCABULARIES)) {
      const checks = rows
        .filter((r) => `${r.table_name}.${r.column_name}` === column)
        .filter((r) => /ANY \(ARRAY\[/.test(r.definition));
      expect(checks, column).toHaveLength(1);
      const allowed = [...(checks[0]?.definition ?? '').matchAll(/'([^']*)'::text/g)].map((m) => m[1]);
      expect(allowed.sort(), column).toEqual([...vocabulary].sort());
    }
  });

  it('has every column @aos/proof reads, with a type and nullability its mirror admits', async () => {
    const db = await t.db();
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
      SELECT table_name, column_name, data_type, is_nullable
        FROM information_schema.columns WHERE table_schema = 'public'`.execute(db);
    const mirror: Record<string, Record<string, { kind: ProofColumnKind; nullable: boolean }>> = PROOF_TABLE_COLUMNS;
    for (const [table, columns] of Object.entries(mirror)) {
      for (const [column, { kind, nullable }] of Object.entries(columns)) {
        const found = rows.find((r) => r.table_name === table && r.column_name === column);
        expect(found, `${table}.${column}`).toBeDefined();
        expect(TYPES_OF_KIND[kind], `${table}.${column}`).toContain(found?.data_type);
        // A column the mirror calls non-null must be NOT NULL; a nullable mirror admits either.
        if (!nullable) expect(found?.is_nullable, `${table}.${column}`).toBe('NO');
      }
    }
  });
});
