export * from './child-process';
export * from './cli-harness';
export * from './server-postgres';
export * from './test-databases';
export * from './peers/index';
export * from './module-recorder';
