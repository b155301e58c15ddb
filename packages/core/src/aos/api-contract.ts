import { LogReceiptSchema, RUN_STATUSES, UUID_PATTERN } from '@aos/proof';
import { z } from 'zod';
import { API_KEY_SCOPES } from '../db/schema';
import { RunViewSchema, SecretViewSchema, SkillViewSchema, TraceStepViewSchema } from './aos-contract';

// The HTTP API of `aos-server` (docs/api.md), as the documents on the wire: what the server
// validates and serialises (and generates /openapi.json from), and what the remote client parses.
// Resources are the facade's views (aos-contract.ts); lists are wrapped in an object so they can
// grow a cursor without breaking clients. Request bodies are validated again by the facade.

const Uuid = z.string().regex(UUID_PATTERN, 'must be a lowercase UUID');

/** Every error answer, whatever the status: the same envelope the CLIs print with `--json`. */
export const ApiErrorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.string().min(1), message: z.string() }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** `GET /v1/whoami`: who the presented key speaks for. */
export const WhoAmIViewSchema = z.strictObject({
  tenant_id: z.string(),
  key_id: Uuid,
  prefix: z.string(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
});
export type WhoAmIView = z.infer<typeof WhoAmIViewSchema>;

/** `POST /v1/agents`: always an agent of the key's tenant. */
export const CreateAgentBodySchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  budget_cents: z.number().nullable().optional(),
});
export type CreateAgentBody = z.infer<typeof CreateAgentBodySchema>;

/**
 * Query of `GET /v1/agents`; it answers with an `AgentListView` page. `cursor` is the previous
 * page's `next_cursor` (the facade checks it: a malformed one is INVALID_INPUT naming `cursor`).
 */
export const ListAgentsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().optional(),
});

/** `POST /v1/runs` (the idempotency key travels in the `Idempotency-Key` header). */
export const CreateRunBodySchema = z.strictObject({
  agent_id: z.string(),
  goal: z.string(),
  origin_system_id: z.string().optional(),
});
export type CreateRunBody = z.infer<typeof CreateRunBodySchema>;

/** Answer of `POST /v1/runs`: 201 with `created: true`, or 200 for an idempotent repeat. */
export const CreatedRunViewSchema = z.strictObject({ run: RunViewSchema, created: z.boolean() });
export type CreatedRunView = z.infer<typeof CreatedRunViewSchema>;

/**
 * Query of `GET /v1/runs`; it answers with a `RunListView` page. `cursor` is the previous page's
 * `next_cursor` (the facade checks it: a malformed one is INVALID_INPUT naming `cursor`).
 */
export const ListRunsQuerySchema = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().optional(),
});

/** `GET /v1/skills`. */
export const SkillListViewSchema = z.strictObject({ skills: z.array(SkillViewSchema) });

/** `PUT /v1/secrets/{name}`: 201 when created, 200 when replaced. */
export const PutSecretBodySchema = z.strictObject({ value: z.string() });

/** `GET /v1/secrets`. */
export const SecretListViewSchema = z.strictObject({ secrets: z.array(SecretViewSchema) });

/**
 * `GET /v1/runs/{id}/events` is a Server-Sent Events stream built from the stored run, so it
 * reads the same whichever process executes the run:
 * - `event: step`, `id: <step_index>`, data a stored trace step (a `started` row, then its
 *   outcome row); a reconnect with `Last-Event-ID: n` resumes after step n;
 * - `event: status`, data {@link RunStatusEventSchema}, whenever the run's status changes;
 * - `event: end`, data {@link RunEndEventSchema}, once the run is terminal (and, when it has a
 *   trace, sealed and in its tenant log: the event carries the run's receipt); the server then
 *   closes the stream.
 */
export const RUN_STREAM_EVENTS = ['step', 'status', 'end'] as const;
export const RunStepEventSchema = TraceStepViewSchema;
export const RunStatusEventSchema = z.strictObject({
  status: z.enum(RUN_STATUSES),
  attempts: z.number().int(),
  error_message: z.string().nullable(),
});
export const RunEndEventSchema = z.strictObject({
  run: RunViewSchema,
  steps: z.number().int().nonnegative(),
  /** The run's tenant-log receipt (SPEC §13); null for a run without a sealed trace. */
  receipt: z.nullable(LogReceiptSchema),
});
