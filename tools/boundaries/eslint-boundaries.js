// Package boundary rules (STYLE.md "Boundaries"), shared by eslint.config.js and the test
// that proves each rule fires on a fixture. Patterns start with `**/` so they match the real
// packages and the fixture tree alike.
const DRIVERS = ['pg', '@electric-sql/pglite'];
const CLI_FORBIDDEN = [...DRIVERS, 'kysely'];
// The only files that may import a database driver: the store's two connections and the
// postgres_query skill's own connection. .dependency-cruiser.cjs names the same files.
const DRIVER_FILES = [
  'db/database.ts',
  'db/pglite-driver.ts',
  'db/prepared-statements.ts',
  'skills/postgres-query-driver.ts',
];

// Every package's src is refused core's internals. ESLint keeps only the last options of a rule
// per file, so every restriction set below carries this refusal too (with its own message).
const CORE_INTERNALS = {
  name: '@aos/core/testing',
  message: "@aos/core/testing: core's internals are for tests and the test kit, not for a package's src",
};

// The entries of @aos/core and @aos/proof the internal CLI may import: the operator facade, the
// CLI plumbing, the skill manifest and the pure proof library. .dependency-cruiser.cjs names the same.
// The entries of @aos/core the customer CLI imports statically: none of them loads a database driver.
const CUS_CLI_ENTRIES = ['@aos/core/client', '@aos/core/contract', '@aos/core/skill-manifest'];

const INT_CLI_ENTRIES = ['@aos/core/ops', '@aos/core/skill-manifest', '@aos/proof', '@aos/proof/cli-kit'];

// One rule option per set of restrictions, each set with its own message. A pattern is a string,
// or an array read as one gitignore-style group (`!` entries exempt what they name).
const restrictEach = (...sets) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [...sets.flatMap(({ message, names }) => names.map((name) => ({ name, message }))), CORE_INTERNALS],
      patterns: sets.flatMap(({ message, patterns = [] }) =>
        patterns.map((group) => ({ group: Array.isArray(group) ? group : [group], message })),
      ),
    },
  ],
});

const restrict = (message, names, patterns = []) => restrictEach({ message, names, patterns });

// The entries the server may import: the service, the wire documents, the pure proof library,
// the CLI kit (and its option schemas) and proof's node subpath. .dependency-cruiser.cjs names the same.
const SERVER_ENTRIES = [
  '@aos/core/service',
  '@aos/core/contract',
  '@aos/proof',
  '@aos/proof/cli-kit',
  '@aos/proof/cli-kit/schemas',
  '@aos/proof/node',
];

export const boundaryConfigs = [
  {
    name: 'aos/core-internals-only-for-tests',
    files: ['**/packages/*/src/**/*.ts'],
    rules: restrict(CORE_INTERNALS.message, []),
  },
  {
    name: 'aos/proof-is-standalone',
    files: ['**/packages/proof/src/**/*.ts'],
    ignores: ['**/packages/proof/src/postgres/**'],
    rules: restrict(
      '@aos/proof imports no @aos package and no database library in its main entry',
      [...DRIVERS, 'kysely'],
      ['@aos/*'],
    ),
  },
  {
    name: 'aos/proof-postgres-takes-a-kysely',
    files: ['**/packages/proof/src/postgres/**/*.ts'],
    rules: restrict(
      '@aos/proof/postgres takes a kysely instance from the caller: no driver, no @aos package',
      DRIVERS,
      ['@aos/*'],
    ),
  },
  {
    name: 'aos/core-drivers-only-in-driver-files',
    files: ['**/packages/core/src/**/*.ts'],
    ignores: DRIVER_FILES.map((file) => `**/packages/core/src/${file}`),
    rules: restrict(`only core's driver files (${DRIVER_FILES.join(', ')}) import a database driver`, [
      ...DRIVERS,
      '@aos/cus-cli',
      '@aos/int-cli',
    ]),
  },
  {
    name: 'aos/cus-cli-stays-customer',
    files: ['**/packages/cus-cli/src/**/*.ts'],
    rules: restrictEach(
      {
        message:
          'the customer CLI uses @aos/core and @aos/proof only: no internal CLI or server code, no database library',
        names: [...CLI_FORBIDDEN, '@aos/int-cli', '@aos/server'],
        patterns: ['**/int-cli/**', '**/server/**'],
      },
      {
        // The local facade is imported dynamically by aos-session.ts only (a dynamic import is not
        // an import declaration), so a remote command never loads the database stack.
        message: `the customer CLI imports ${CUS_CLI_ENTRIES.join(', ')} statically; @aos/core (the local facade) only through aos-session.ts's dynamic import`,
        names: ['@aos/core'],
      },
    ),
  },
  {
    name: 'aos/client-types-bridge',
    files: ['**/packages/core/src/client/aos-types.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          "ExportNamedDeclaration[exportKind!='type']",
          "ExportAllDeclaration[exportKind!='type']",
          "ImportDeclaration[importKind!='type']",
        ].map((selector) => ({
          selector,
          message:
            "core/src/client/aos-types.ts is the remote client's types-only bridge (dependency-cruiser does not follow it): `export type` only",
        })),
      ],
    },
  },
  {
    name: 'aos/int-cli-never-creates-runs',
    files: ['**/packages/int-cli/src/**/*.ts'],
    rules: restrictEach(
      {
        message:
          'the internal CLI cannot create customer runs (@aos/core/runs) nor reach the customer CLI or a database library',
        names: [...CLI_FORBIDDEN, '@aos/cus-cli', '@aos/core/runs'],
        patterns: ['**/cus-cli/**', '**/core/src/runs/**', '@aos/core/src/**'],
      },
      {
        message: `the internal CLI goes through the operator facade: it imports only ${INT_CLI_ENTRIES.join(', ')} (no core main entry or internals, no @aos/proof/postgres or /node)`,
        names: ['@aos/core', '@aos/proof/postgres', '@aos/proof/node'],
        patterns: [
          // Core's other subpaths (runs has the message above).
          ['@aos/core/*', ...INT_CLI_ENTRIES.map((entry) => `!${entry}`), '!@aos/core/runs'],
          '**/core/src/**',
          '**/proof/src/**',
        ],
      },
    ),
  },
  {
    name: 'aos/server-through-the-service',
    files: ['**/packages/server/src/**/*.ts'],
    rules: restrictEach(
      {
        message: 'the server imports no command line and no database library: it works through the service',
        names: [...CLI_FORBIDDEN, '@aos/cus-cli', '@aos/int-cli'],
        patterns: ['**/cus-cli/**', '**/int-cli/**'],
      },
      {
        message: `the server goes through the service: it imports only ${SERVER_ENTRIES.join(', ')} (no core main entry or internals, no @aos/proof/postgres)`,
        names: ['@aos/core', '@aos/proof/postgres'],
        patterns: [['@aos/core/*', ...SERVER_ENTRIES.map((entry) => `!${entry}`)], '**/core/src/**', '**/proof/src/**'],
      },
    ),
  },
];
