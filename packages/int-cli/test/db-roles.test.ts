import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachDriver } from '@aos/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbRolesShape, DbRolesSqlShape } from '../src/json-shapes';
import { cliOn, runCli } from './cli-harness';

const ROLES = ['aos_owner', 'aos_app', 'aos_audit', 'aos_worker'];

describe('int-cli db roles --print', () => {
  it('prints SQL that creates the three roles, each only when missing, and connects to nothing', async () => {
    // No AOS_HOME and an unreachable URL: printing must not open anything.
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const printed = await runCli(['db', 'roles', '--print'], env);
    expect(printed.code).toBe(0);
    for (const role of ROLES) {
      expect(printed.stdout).toMatch(new RegExp(`CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOBYPASSRLS`));
    }
    expect(printed.stdout).toMatch(/WHEN duplicate_object OR unique_violation/);
    const json = await runCli(['db', 'roles', '--print', '--json'], env);
    expect(DbRolesSqlShape.parse(JSON.parse(json.stdout)).sql).toBe(printed.stdout);
  });
});

describe('int-cli db roles on a new embedded store', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'aos-db-roles-'));
  });
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('creates the three roles, then finds them there (run twice)', async () => {
    const first = await runCli(['db', 'roles', '--json'], { AOS_HOME: home });
    expect(first.code).toBe(0);
    expect(DbRolesShape.parse(JSON.parse(first.stdout)).roles).toEqual(
      ROLES.map((name) => ({ name, status: 'created' })),
    );
    const second = await runCli(['db', 'roles'], { AOS_HOME: home });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/aos_owner\s+exists\naos_app\s+exists\naos_audit\s+exists\naos_worker\s+exists\n$/);
  });
});

describeEachDriver('int-cli db roles', (t) => {
  it('is idempotent on a migrated store', async () => {
    for (let i = 0; i < 2; i += 1) {
      const result = await cliOn(t, ['db', 'roles', '--json']);
      expect(result.code).toBe(0);
      expect(DbRolesShape.parse(JSON.parse(result.stdout)).roles.map((r) => r.status)).toEqual(
        ROLES.map(() => 'existing'),
      );
    }
  });
});
