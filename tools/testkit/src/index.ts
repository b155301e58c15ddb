export * from './child-process';
export * from './cli-harness';
export * from './server-postgres';
export * from './test-databases';
export * from './peers/index';
export * from './aos-server';
export * from './module-recorder';
export * from './planned-runs';
