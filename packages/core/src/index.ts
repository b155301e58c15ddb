// `@aos/core`: the customer facade (`openAos` → `Aos`), the plain data it takes and returns,
// its errors, and the few pure helpers the command lines share. Nothing else: internals stay
// internal (docs/… and a CI check keep every name here used by another package or a doc).
export * from './aos/index';
export { AosError, InvalidInputError, isAosError, AOS_ERROR_CODES } from './errors';
export type { AosErrorCode } from './errors';
export { goalSchema, originSystemIdSchema, tenantIdSchema, uuidSchema } from './validation';
export { RUN_STATUSES } from './db/schema';
export type { JsonValue, RunStatus } from './db/schema';
export { CreateAgentInputSchema } from './agents/agent-service';
export type { CreateAgentInput } from './agents/agent-service';
export { CreateRunInputSchema } from './runs/create-run';
export type { CreateRunInput } from './runs/create-run';
export type { RunEvent, RunEventListener } from './runner/run-events';
export { MAX_SECRET_VALUE_BYTES } from './secrets/secret-store';
export { secretNameSchema } from './secrets/secret-references';
