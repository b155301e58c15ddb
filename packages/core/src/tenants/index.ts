export * from './tenant-store';
export * from './api-key-store';
