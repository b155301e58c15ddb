import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EXIT_CODES, exitCodeForError } from './exit-codes';
import { parseOptions } from './option-parser';

const Schema = z.object({
  agentId: z.uuid({ error: 'must be a UUID' }),
  limit: z.number().int().min(1, 'must be at least 1').default(20),
  run_id: z.string().min(1, 'must not be empty').optional(),
});

function refusal(run: () => unknown): { message: string; code: string; exit: number } {
  try {
    run();
  } catch (error) {
    const { message, code } = error as { message: string; code: string };
    return { message, code, exit: exitCodeForError(error) };
  }
  throw new Error('expected a refusal');
}

describe('parseOptions', () => {
  it('returns the options typed, defaults and transforms applied', () => {
    const id = '7f1c4c1e-0000-4000-8000-000000000000';
    expect(parseOptions(Schema, { agentId: id, 'agent-id': id, _: ['run'] })).toEqual({ agentId: id, limit: 20 });
  });

  it('names the flag as the user typed it, in one line, with code INVALID_INPUT and exit 2', () => {
    expect(refusal(() => parseOptions(Schema, { agentId: 'nope' }))).toEqual({
      message: '--agent-id: must be a UUID',
      code: 'INVALID_INPUT',
      exit: EXIT_CODES.usage,
    });
    expect(refusal(() => parseOptions(Schema, { agentId: crypto.randomUUID(), limit: 0 })).message).toBe(
      '--limit: must be at least 1',
    );
  });

  it('names a positional as <name>', () => {
    const args = { agentId: crypto.randomUUID(), run_id: '' };
    expect(refusal(() => parseOptions(Schema, args, { positionals: ['run_id'] })).message).toBe(
      '<run_id>: must not be empty',
    );
    expect(refusal(() => parseOptions(Schema, args)).message).toBe('--run_id: must not be empty');
  });

  it('reports only the first problem', () => {
    const { message } = refusal(() => parseOptions(Schema, { agentId: 'nope', limit: 0 }));
    expect(message).toBe('--agent-id: must be a UUID');
  });

  it('takes the code a bin names its usage errors with', () => {
    expect(refusal(() => parseOptions(Schema, { agentId: 'x' }, { code: 'PROOF_USAGE' }))).toMatchObject({
      code: 'PROOF_USAGE',
      exit: 2,
    });
  });

  it('says `options` when the problem is not one option’s', () => {
    expect(refusal(() => parseOptions(Schema, 'not an object')).message).toMatch(/^options: /);
  });

  it("says what was wrong with the flag, not zod's view of the value", () => {
    const Flags = z.object({ tenantId: z.string(), limit: z.number(), follow: z.boolean() });
    const ok = { tenantId: 'acme', limit: 1, follow: false };
    expect(refusal(() => parseOptions(Flags, { ...ok, tenantId: ['a', 'b'] })).message).toBe(
      '--tenant-id: given more than once; give it once',
    );
    expect(refusal(() => parseOptions(Flags, { ...ok, limit: Number.NaN })).message).toBe('--limit: must be a number');
    expect(refusal(() => parseOptions(Flags, { ...ok, tenantId: undefined })).message).toBe('--tenant-id: is required');
  });
});
