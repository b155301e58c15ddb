import { z } from 'zod';
import { goalSchema, labelSchema, originSystemIdSchema, tenantIdSchema, uuidSchema } from '../validation';

// Kept apart from create-run.ts (which reads agents and writes runs with kysely) so that the
// remote client, which validates the same input, loads no database code.

/** Input of `createRun`: what creating a run takes, on every face. */
export const CreateRunInputSchema = z
  .object({
    tenantId: tenantIdSchema,
    agentId: uuidSchema,
    goal: goalSchema,
    originSystemId: originSystemIdSchema.default('cus-cli'),
    idempotencyKey: labelSchema(200).optional(),
    maxAttempts: z.number().int().min(1).max(10).default(3),
  })
  .strict();
export type CreateRunInput = z.input<typeof CreateRunInputSchema>;
