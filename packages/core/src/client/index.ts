// `@aos/core/client`: the remote face of the `Aos` facade (`connectAos`), and the pure pieces
// every face shares — errors with their stable codes, and the input schemas the command lines
// validate with — so a remote command line never loads the database stack. Reaches no database
// driver and no file of core/src/db but its types and vocabularies (.dependency-cruiser.cjs, and
// a test that records every module the built entry loads).
export { connectAos, fetchPublishedKeys, type ConnectAosOptions, type RemoteAos } from './remote-aos';
export { AosError, InvalidInputError, isAosError } from '../errors';
export { goalSchema, MAX_GOAL_BYTES, originSystemIdSchema, tenantIdSchema, uuidSchema } from '../validation';
export { CreateAgentInputSchema } from '../agents/agent-input';
export { CreateRunInputSchema } from '../runs/run-input';
export { MAX_SECRET_VALUE_BYTES, secretNameSchema } from '../secrets/secret-references';
export type { JsonValue } from '../db/schema';
export type { Aos, RunEvent, RunOptions, RunRef } from './aos-types';
