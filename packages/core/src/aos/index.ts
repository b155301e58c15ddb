// The customer facade: what every face of AOS (local CLI, HTTP API, remote client) offers.
export { openAos, withAos } from './aos';
export type { Aos, RunOptions, RunRef } from './aos';
export type { AosConfig } from './aos-config';
export { databaseCreateMessage, lockWaitMessage } from './aos-config';
export * from './aos-contract';
