/**
 * Package boundaries (STYLE.md), checked by `pnpm check:boundaries` with reachability:
 * a forbidden module may not be reached through any chain of imports.
 * Paths are matched with an optional fixture prefix so tools/boundaries/fixtures can
 * prove every rule fires.
 */
const P = '(^|/)packages/';
// A third-party module, whether resolved through pnpm's store or left unresolved (fixtures).
const moduleNamed = (names) => [
  `node_modules/(${names})/`,
  `node_modules/\\.pnpm/[^/]+/node_modules/(${names})/`,
  `^(${names})$`,
];
const DRIVERS = 'pg|@electric-sql/pglite';
// The only files that may import a database driver (tools/boundaries/eslint-boundaries.js names the same).
const DRIVER_FILES = '(db/database|db/pglite-driver|db/prepared-statements|skills/postgres-query-driver)\\.ts$';
module.exports = {
  forbidden: [
    {
      name: 'int-cli-cannot-create-runs',
      comment: 'The internal CLI may execute queued runs but never create one: run creation lives in core/src/runs.',
      severity: 'error',
      from: { path: `${P}int-cli/src/` },
      to: { path: `${P}core/src/runs/`, reachable: true },
    },
    {
      name: 'ops-facade-cannot-create-runs',
      comment: "Core's operator facade (@aos/core/ops, what int-cli uses) never reaches run creation either.",
      severity: 'error',
      from: { path: `${P}core/src/ops-facade/` },
      to: { path: `${P}core/src/runs/`, reachable: true },
    },
    {
      name: 'int-cli-only-through-the-ops-facade',
      comment:
        'The internal CLI imports core through @aos/core/ops and @aos/core/skill-manifest, and proof through ' +
        "its pure main entry and the CLI kit: never core's main entry or internals, @aos/proof/postgres or " +
        '@aos/proof/node (tools/boundaries/eslint-boundaries.js names the same entries). Direct imports only: ' +
        'the facade itself reaches all of them.',
      severity: 'error',
      from: { path: `${P}int-cli/src/` },
      to: {
        path: [`${P}(core|proof)/src/`, '^@aos/(core|proof)/', '^@aos/core$'],
        pathNot: [
          `${P}core/src/(ops-facade/index|skill-manifest)\\.ts$`,
          `${P}proof/src/(index|cli-kit/index|cli-kit/schemas)\\.ts$`,
          '^@aos/core/(ops|skill-manifest)$',
          '^@aos/proof/cli-kit(/schemas)?$',
        ],
      },
    },
    {
      name: 'cus-cli-never-reaches-int-cli',
      severity: 'error',
      from: { path: `${P}cus-cli/src/` },
      to: { path: `${P}int-cli/`, reachable: true },
    },
    {
      name: 'int-cli-never-reaches-cus-cli',
      severity: 'error',
      from: { path: `${P}int-cli/src/` },
      to: { path: `${P}cus-cli/`, reachable: true },
    },
    {
      name: 'server-never-reaches-clis',
      comment: 'The server imports no command line (STYLE.md "Boundaries").',
      severity: 'error',
      from: { path: `${P}server/src/` },
      to: { path: `${P}(cus-cli|int-cli)/`, reachable: true },
    },
    {
      name: 'server-only-through-the-service',
      comment:
        'The server imports core through @aos/core/service and @aos/core/contract, and proof through its ' +
        "pure main entry, the CLI kit and the node subpath: never core's main entry, another subpath or " +
        'internals, nor @aos/proof/postgres (tools/boundaries/eslint-boundaries.js names the same entries).',
      severity: 'error',
      from: { path: `${P}server/src/` },
      to: {
        path: [`${P}(core|proof)/src/`, '^@aos/(core|proof)/', '^@aos/core$'],
        pathNot: [
          `${P}core/src/(service/index|aos/contract-entry)\\.ts$`,
          `${P}proof/src/(index|cli-kit/index|cli-kit/schemas|node/index)\\.ts$`,
          '^@aos/core/(service|contract)$',
          '^@aos/proof/(cli-kit|cli-kit/schemas|node)$',
        ],
      },
    },
    {
      name: 'nothing-reaches-the-server',
      comment: 'No other package (the customer CLI least of all) reaches the server’s code.',
      severity: 'error',
      from: { path: `${P}(core|proof|cus-cli|int-cli)/src/` },
      to: { path: `${P}server/`, reachable: true },
    },
    {
      name: 'proof-is-standalone',
      comment: '@aos/proof depends on no other @aos package.',
      severity: 'error',
      from: { path: `${P}proof/src/` },
      to: { path: `${P}(core|cus-cli|int-cli)/`, reachable: true },
    },
    {
      name: 'proof-main-entry-has-no-database',
      comment: 'The main entry of @aos/proof reaches no database library; only the postgres subpath may use kysely.',
      severity: 'error',
      from: { path: `${P}proof/src/index\\.ts$` },
      to: { path: moduleNamed(`kysely|${DRIVERS}`), reachable: true },
    },
    {
      name: 'proof-main-entry-has-no-cli-kit',
      comment:
        'The main entry of @aos/proof runs in browsers: it reaches neither the command-line kit (@aos/proof/cli-kit) nor the aos-proof command line, nor yargs.',
      severity: 'error',
      from: { path: `${P}proof/src/index\\.ts$` },
      to: { path: [`${P}proof/src/(cli-kit|cli)/`, ...moduleNamed('yargs')], reachable: true },
    },
    {
      name: 'cli-kit-is-self-contained',
      comment:
        "@aos/proof/cli-kit uses yargs, zod and node: built-ins only, never the proof library, so every bin's --help loads it cheaply.",
      severity: 'error',
      from: { path: `${P}proof/src/cli-kit/` },
      to: { path: `${P}proof/src/`, pathNot: `${P}proof/src/cli-kit/` },
    },
    {
      name: 'core-never-reaches-clis',
      severity: 'error',
      from: { path: `${P}core/src/` },
      to: { path: `${P}(cus-cli|int-cli)/`, reachable: true },
    },
    {
      name: 'core-internals-only-for-tests',
      comment:
        "@aos/core/testing is core's internals for this repository's tests and test kit: no package's src imports it.",
      severity: 'error',
      from: { path: `${P}[a-z-]+/src/`, pathNot: `${P}core/src/testing\\.ts$` },
      to: { path: [`${P}core/src/testing\\.ts$`, '^@aos/core/testing$'] },
    },
    {
      name: 'drivers-only-in-driver-files',
      comment: "Only core's driver files import a database driver: the store's connections and postgres_query's.",
      severity: 'error',
      from: { path: `${P}(core|cus-cli|int-cli|proof|server)/src/`, pathNot: `${P}core/src/${DRIVER_FILES}` },
      to: { path: moduleNamed(DRIVERS), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'client-entry-has-no-database',
      comment:
        "The remote client (@aos/core/client) reaches no file of core's db folder but schema.ts (types and " +
        'closed vocabularies, imported by the contract) and no database driver: a remote cus-cli never loads ' +
        'pg or PGlite (packages/core/test/remote-client-imports.test.ts checks the built entry at run time).',
      severity: 'error',
      from: { path: `${P}core/src/client/` },
      to: {
        path: [`${P}core/src/db/`, ...moduleNamed(DRIVERS)],
        pathNot: `${P}core/src/db/schema\\.ts$`,
        reachable: true,
      },
    },
    {
      name: 'client-imports-no-kysely',
      comment: 'No file of the remote client imports kysely, not even its types.',
      severity: 'error',
      from: { path: `${P}core/src/client/` },
      to: { path: moduleNamed('kysely') },
    },
  ],
  options: {
    // aos-types.ts is a types-only bridge from the remote client to the facade's interface: it
    // loads nothing, so what it names is not reachable from the client. ESLint keeps it
    // `export type` only (tools/boundaries/eslint-boundaries.js).
    doNotFollow: { path: ['node_modules', `${P}core/src/client/aos-types\\.ts$`] },
    exclude: { path: '(\\.test\\.ts$|/test/|/dist/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@aos/source', 'import', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
  },
};
