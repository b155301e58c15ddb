import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS config module shared with eslint.config.js
import { boundaryConfigs } from '../eslint-boundaries.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = 'tools/boundaries/fixtures/packages';

async function cruiseViolations(path: string): Promise<{ rule: string; from: string; to: string }[]> {
  const { createRequire } = await import('node:module');
  const config = createRequire(import.meta.url)('../../../.dependency-cruiser.cjs') as {
    forbidden: ICruiseOptions['ruleSet'] extends infer R ? R : never;
    options: ICruiseOptions;
  };
  const previous = process.cwd();
  process.chdir(ROOT);
  try {
    const result: IReporterOutput = await cruise([path], {
      ...config.options,
      ruleSet: { forbidden: (config as unknown as { forbidden: never[] }).forbidden },
      validate: true,
    });
    const output = result.output as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    return output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
  } finally {
    process.chdir(previous);
  }
}

describe('package boundary rules', () => {
  it('dependency-cruiser reports every fixture violation, transitive ones included', async () => {
    const violations = await cruiseViolations(FIXTURES);
    const found = (rule: string, from: string) => violations.some((v) => v.rule === rule && v.from.endsWith(from));
    expect(found('int-cli-cannot-create-runs', 'int-cli/src/sneaky.ts'), JSON.stringify(violations)).toBe(true);
    expect(found('cus-cli-never-reaches-int-cli', 'cus-cli/src/reach-internal.ts')).toBe(true);
    expect(found('proof-is-standalone', 'proof/src/index.ts')).toBe(true);
    expect(found('proof-main-entry-has-no-database', 'proof/src/index.ts')).toBe(true);
    expect(found('proof-main-entry-has-no-cli-kit', 'proof/src/index.ts')).toBe(true);
    expect(found('cli-kit-is-self-contained', 'proof/src/cli-kit/exit-codes.ts')).toBe(true);
    expect(found('drivers-only-in-driver-files', 'core/src/runner/uses-driver.ts')).toBe(true);
    expect(found('core-internals-only-for-tests', 'cus-cli/src/uses-core-internals.ts')).toBe(true);
    // The rule names files, not a folder: another file in db/ is refused too.
    expect(found('drivers-only-in-driver-files', 'core/src/db/not-a-driver-file.ts')).toBe(true);
    expect(found('ops-facade-cannot-create-runs', 'core/src/ops-facade/reaches-runs.ts')).toBe(true);
    // The remote client reaching the db folder and a driver, directly and through another module.
    const clientReach = violations
      .filter((v) => v.rule === 'client-entry-has-no-database' && v.from.endsWith('core/src/client/reaches-db.ts'))
      .map((v) => v.to.replace(/^.*\/packages\//, 'packages/'))
      .sort();
    expect(clientReach).toEqual(['@electric-sql/pglite', 'packages/core/src/db/not-a-driver-file.ts']);
    // Every way past the facade is named: core's main entry, a core subpath, proof's database and
    // file-system subpaths, and a core file reached by a relative path.
    const apart = violations
      .filter((v) => v.rule === 'int-cli-only-through-the-ops-facade' && v.from.endsWith('int-cli/src/takes-apart.ts'))
      .map((v) => v.to.replace(/^.*\/packages\//, 'packages/'))
      .sort();
    expect(apart).toEqual([
      '@aos/core',
      '@aos/core/skills',
      '@aos/proof/node',
      '@aos/proof/postgres',
      'packages/core/src/db/not-a-driver-file.ts',
    ]);
    expect(violations.filter((v) => v.from.endsWith('int-cli/src/through-the-facade.ts'))).toEqual([]);
    // The server: no command line, nothing past the service, no driver; and nothing reaches it.
    expect(found('server-never-reaches-clis', 'server/src/uses-cli.ts')).toBe(true);
    expect(found('nothing-reaches-the-server', 'cus-cli/src/reach-server.ts')).toBe(true);
    expect(found('drivers-only-in-driver-files', 'server/src/takes-apart.ts')).toBe(true);
    const serverApart = violations
      .filter((v) => v.rule === 'server-only-through-the-service' && v.from.endsWith('server/src/takes-apart.ts'))
      .map((v) => v.to.replace(/^.*\/packages\//, 'packages/'))
      .sort();
    expect(serverApart).toEqual([
      '@aos/core',
      '@aos/core/ops',
      '@aos/proof/postgres',
      'packages/core/src/db/not-a-driver-file.ts',
    ]);
    expect(violations.filter((v) => v.from.endsWith('server/src/through-the-service.ts'))).toEqual([]);
  });

  it('dependency-cruiser finds no violation in the real packages', async () => {
    expect(await cruiseViolations('packages')).toEqual([]);
  });

  it('ESLint no-restricted-imports fires for each package rule', async () => {
    const eslint = new ESLint({
      cwd: ROOT,
      overrideConfigFile: true,
      ignore: false,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
        ...(boundaryConfigs as ESLint.Options['overrideConfig'][]),
      ] as never,
    });
    const results = await eslint.lintFiles([`${FIXTURES}/**/*.ts`]);
    const messages = (suffix: string) =>
      results
        .find((r) => r.filePath.endsWith(suffix))
        ?.messages.filter((m) => m.ruleId === 'no-restricted-imports')
        .map((m) => m.message) ?? [];
    expect(messages('int-cli/src/direct.ts').join('\n')).toMatch(/cannot create customer runs/);
    expect(messages('cus-cli/src/reach-internal.ts').join('\n')).toMatch(/no internal CLI/);
    expect(messages('proof/src/index.ts').join('\n')).toMatch(/imports no @aos package/);
    expect(messages('core/src/runner/uses-driver.ts').join('\n')).toMatch(
      /only core's driver files .* import a database driver/,
    );
    expect(messages('core/src/db/not-a-driver-file.ts').join('\n')).toMatch(/only core's driver files/);
    expect(messages('core/src/runs/create-run.ts')).toEqual([]);
    expect(messages('cus-cli/src/uses-core-internals.ts').join('\n')).toMatch(/core's internals are for tests/);
    const apart = messages('int-cli/src/takes-apart.ts');
    expect(apart).toHaveLength(5);
    for (const message of apart) expect(message).toMatch(/the internal CLI goes through the operator facade/);
    expect(messages('int-cli/src/through-the-facade.ts')).toEqual([]);
    expect(messages('cus-cli/src/loads-local-stack.ts').join('\n')).toMatch(
      /@aos\/core \(the local facade\) only through aos-session.ts's dynamic import/,
    );
    const bridge = results
      .find((r) => r.filePath.endsWith('core/src/client/aos-types.ts'))
      ?.messages.filter((m) => m.ruleId === 'no-restricted-syntax');
    // The value export is refused; the `export type` beside it is not.
    expect(bridge?.map((m) => m.line)).toEqual([2]);
    expect(messages('cus-cli/src/reach-server.ts').join('\n')).toMatch(/no internal CLI/);
    expect(messages('server/src/uses-cli.ts').join('\n')).toMatch(/the server imports no command line/);
    const serverApart = messages('server/src/takes-apart.ts');
    expect(serverApart.filter((m) => /the server goes through the service/.test(m))).toHaveLength(4);
    expect(serverApart.filter((m) => /no database library/.test(m))).toHaveLength(1);
    expect(messages('server/src/through-the-service.ts')).toEqual([]);
  });
});
