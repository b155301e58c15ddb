import { z } from 'zod';
import { labelSchema, tenantIdSchema } from '../validation';

// Kept apart from agent-service.ts (which builds queries with kysely) so that the remote client,
// which validates the same input, loads no database code.

/** Input of `createAgent`: what creating an agent takes, on every face. */
export const CreateAgentInputSchema = z
  .object({
    name: labelSchema(200),
    description: z
      .string()
      .max(2000, 'must be at most 2000 characters')
      .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters')
      .default(''),
    /** Omit (or null) for a shared agent usable by any tenant. */
    tenantId: tenantIdSchema.nullish(),
    budgetCents: z
      .number()
      .int('must be a whole number of cents')
      .nonnegative('must not be negative')
      .max(1e12)
      .nullish(),
  })
  .strict();
export type CreateAgentInput = z.input<typeof CreateAgentInputSchema>;
