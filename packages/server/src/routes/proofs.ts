import { PassThrough } from 'node:stream';
import { ProofReportSchema } from '@aos/core/contract';
import { ProofError, StepInclusionProofSchema } from '@aos/proof';
import type { BundleSink } from '@aos/proof/node';
import { z } from 'zod';
import type { AosApp, RouteDeps } from '../app';
import type { RunRef } from '../app';
import { BEARER_KEY, ERROR_RESPONSES, RunParamsSchema, sendStream } from './route-schemas';

const StepParamsSchema = RunParamsSchema.extend({
  n: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,8})$/, 'must be a step index (0, 1, 2…)')
    .transform(Number),
});

const BundleQuerySchema = z.strictObject({
  since_size: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be the size of a tenant checkpoint you saved (1, 2, 3…)')
    .transform(Number)
    .optional()
    .describe('The receipt then carries a consistency proof from this log size'),
});

const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'halted']);

/**
 * The proof library answers PROOF_NOT_FOUND alike for a missing run, another tenant's run and a
 * run whose trace has not begun. The API tells them apart as a client needs: a missing (or
 * another tenant's) run is RUN_NOT_FOUND, exactly as `GET /v1/runs/{id}` answers; a run still
 * on its way is PROOF_NOT_SEALED (409, ask again later); a finished run without a trace stays
 * PROOF_NOT_FOUND.
 */
function explainMissingProof(service: RouteDeps['service'], ref: RunRef): (error: unknown) => Promise<never> {
  return async (error) => {
    if (!(error instanceof ProofError) || error.code !== 'PROOF_NOT_FOUND') throw error;
    const { run } = await service.aos.runs.get(ref);
    if (TERMINAL_STATUSES.has(run.status)) throw error;
    throw new ProofError('PROOF_NOT_SEALED', `run ${run.id} is ${run.status}: its proof exists once it is sealed`);
  };
}

/** `GET /v1/runs/{id}/bundle`, `/steps/{n}/proof` and `/proof` (proofs:read). */
export function proofRoutes(app: AosApp, { service }: RouteDeps): void {
  app.get(
    '/v1/runs/:id/bundle',
    {
      config: { auth: 'proofs:read' },
      schema: {
        summary: "The run's proof bundle (aos.proof-bundle.v2), streamed; 409 PROOF_NOT_SEALED before the seal",
        tags: ['proofs'],
        security: BEARER_KEY,
        params: RunParamsSchema,
        querystring: BundleQuerySchema,
        response: {
          200: z
            .record(z.string(), z.unknown())
            .describe('A proof bundle: verify it with @aos/proof verifyProofBundle'),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const ref = { tenantId: request.principal!.tenantId, runId: request.params.id };
      const explain = explainMissingProof(service, ref);
      // The answer starts with the first chunk: until then a failure (not found, not sealed) is
      // an ordinary error answer; after it, the connection is cut so a client never takes a
      // truncated bundle for a whole one.
      const body = new PassThrough();
      let started = false;
      const sink: BundleSink = {
        write(chunk) {
          if (!started) {
            started = true;
            void sendStream(reply.header('content-type', 'application/json; charset=utf-8'), body);
          }
          return body.write(chunk);
        },
        once(event, listener) {
          body.once(event, listener);
        },
      };
      try {
        await service.aos.proofs.exportBundle({ ...ref, target: sink, sinceSize: request.query.since_size });
      } catch (error) {
        if (!started) return explain(error);
        request.log.error({ err: error, run_id: ref.runId }, 'bundle export failed while streaming');
        body.destroy(error instanceof Error ? error : new Error(String(error)));
        return reply;
      }
      body.end();
      return reply;
    },
  );
  app.get(
    '/v1/runs/:id/steps/:n/proof',
    {
      config: { auth: 'proofs:read' },
      schema: {
        summary: 'The RFC 9162 inclusion proof of one step (0-based)',
        tags: ['proofs'],
        security: BEARER_KEY,
        params: StepParamsSchema,
        response: { 200: StepInclusionProofSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const ref = { tenantId: request.principal!.tenantId, runId: request.params.id };
      return service.aos.proofs
        .stepProof({ ...ref, stepIndex: request.params.n })
        .catch(explainMissingProof(service, ref));
    },
  );
  app.get(
    '/v1/runs/:id/proof',
    {
      config: { auth: 'proofs:read' },
      schema: {
        summary: "The server's own verdict on the run's proof (clients verify bundles themselves)",
        tags: ['proofs'],
        security: BEARER_KEY,
        params: RunParamsSchema,
        response: { 200: ProofReportSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => service.aos.proofs.verify({ tenantId: request.principal!.tenantId, runId: request.params.id }),
  );
}
