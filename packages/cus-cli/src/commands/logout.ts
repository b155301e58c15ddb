import { CliError, EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { readProfile, selectedProfileName, writeProfile } from '../profiles';
import { emitJson } from '../render';
import { LogoutJsonSchema } from '../json-shapes';

/** `logout`: removes the API key from the profile in use; its URL and pinned keys stay. */
export function execute(_args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const { env } = context.io;
  const name = selectedProfileName(env, typeof context.profile === 'string' ? context.profile : undefined);
  const profile = name === null ? null : readProfile(env, name);
  if (name === null || profile === null) {
    throw new CliError('PROFILE_NOT_FOUND', 'logout: no login profile (run cus-cli login first)', EXIT_CODES.notFound);
  }
  const removed = profile.api_key !== null;
  if (removed) writeProfile(env, name, { ...profile, api_key: null });
  if (context.json) emitJson(context, LogoutJsonSchema, { profile: name, key_removed: removed });
  else
    context.io.stdout.write(
      `${removed ? 'Logged out' : 'Already logged out'}: profile ${name} has no API key now (its pinned verifier keys stay)\n`,
    );
  return Promise.resolve(EXIT_CODES.ok);
}
