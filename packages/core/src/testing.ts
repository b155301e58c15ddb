// `@aos/core/testing`: core's internals, for this repository's own tests and test kit only —
// not an API. No package's src may import it (a dependency-cruiser rule); what other packages
// use is the facade of `@aos/core` (and `@aos/core/ops` for operators).
export * from './errors';
export * from './db/index';
export * from './validation';
export * from './agents/index';
export * from './budget/index';
export * from './queries/index';
export * from './runner/index';
export * from './runtime';
export * from './ops/index';
export * from './keys/index';
export * from './skills/index';
export * from './planner/index';
export * from './secrets/index';
export * from './tenants/index';
export * from './tenant-log/index';
export * from './queue/index';
