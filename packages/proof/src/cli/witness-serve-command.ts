import { z } from 'zod';
import { EXIT_CODES, parseOptions, type CommandContext, type ExitCode, type ParsedArgs } from '../cli-kit/index';
import { wholeNumberOption } from '../cli-kit/option-schemas';
import { ProofError } from '../errors';
import { readSigningKeyFile } from '../node/key-store';
import { startWitnessServer } from '../witness/witness-server';

const ServeOptions = z.object({
  keyFile: z.string({ error: 'name the witness key file: --key-file F' }).min(1),
  state: z.string({ error: 'name the state directory: --state DIR' }).min(1),
  host: z.string().min(1).default('127.0.0.1'),
  port: wholeNumberOption(0, 65_535),
  logKey: z
    .array(z.string().trim().min(1), { error: 'give at least one trusted log key: --log-key <vkey>' })
    .min(1, 'give at least one trusted log key: --log-key <vkey>'),
});

/** `aos-proof witness serve`: runs the witness until SIGINT or SIGTERM. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(ServeOptions, args, { code: 'PROOF_USAGE' });
  const key = await readSigningKeyFile(options.keyFile);
  if (key === null) throw new ProofError('PROOF_IO', `witness key file ${options.keyFile} does not exist`);
  const witness = await startWitnessServer({
    key,
    stateDir: options.state,
    logKeys: options.logKey,
    host: options.host,
    port: options.port,
  });
  context.io.stdout.write(`witness ${witness.verifierKey} listening on ${witness.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await witness.close();
  return EXIT_CODES.ok;
}
