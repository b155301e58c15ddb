// `@aos/core/contract`: the facade's documents and the HTTP API's, with no database code, so the
// remote client and the server can load them alone.
export * from './aos-contract';
export * from './api-contract';
