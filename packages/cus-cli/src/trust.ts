import { parseVerifierKey } from '@aos/proof';
import { CliError, EXIT_CODES } from '@aos/proof/cli-kit';
import type { CommandContext } from './context';
import { envTrustedKeys, resolveFace, withAos } from './aos-session';
import { readProfile, selectedProfileName, writeProfile } from './profiles';
import { emitJson } from './render';
import { TrustJsonSchema, type TrustJson } from './json-shapes';

/** The keys trusted in this invocation and where each comes from. */
export async function trustedKeyList(context: CommandContext, changed: boolean | null = null): Promise<TrustJson> {
  const face = resolveFace(context);
  if (face.mode === 'local') {
    // Locally the deployment's own key set (current and retired) is trusted without pinning.
    const keys = await withAos(context, (aos) => aos.proofs.trustedKeys());
    return { mode: 'local', profile: null, keys: keys.keys.map((key) => ({ key, source: 'local' })), changed };
  }
  const fromEnv = new Set(envTrustedKeys(context.io.env));
  const pinned = face.profileData?.trusted_keys ?? [];
  return {
    mode: 'remote',
    profile: face.profile,
    keys: [
      ...pinned.map((key) => ({ key, source: 'profile' as const })),
      ...[...fromEnv].filter((k) => !pinned.includes(k)).map((key) => ({ key, source: 'env' as const })),
    ],
    changed,
  };
}

/** Adds or removes a pinned key in the profile in use. */
export async function changePin(context: CommandContext, rawKey: string, add: boolean): Promise<TrustJson> {
  const key = rawKey.trim();
  try {
    parseVerifierKey(key);
  } catch (error) {
    throw new CliError('INVALID_INPUT', `<vkey>: ${(error as Error).message}`, EXIT_CODES.usage);
  }
  const { env } = context.io;
  const name = selectedProfileName(env, typeof context.profile === 'string' ? context.profile : undefined);
  const profile = name === null ? null : readProfile(env, name);
  if (name === null || profile === null) {
    throw new CliError(
      'PROFILE_NOT_FOUND',
      'trust: keys are pinned in a login profile: run cus-cli login --api-url <url> first (for one invocation, set AOS_TRUSTED_KEYS); locally the deployment’s own keys are trusted without pinning',
      EXIT_CODES.notFound,
    );
  }
  const had = profile.trusted_keys.includes(key);
  const keys = add ? [...new Set([...profile.trusted_keys, key])] : profile.trusted_keys.filter((k) => k !== key);
  if (had !== add) writeProfile(env, name, { ...profile, trusted_keys: keys });
  return trustedKeyList(context, had !== add);
}

/** Prints a trust document: one `<key>  (<source>)` line per key. */
export function printTrust(context: CommandContext, document: TrustJson): void {
  if (context.json) return emitJson(context, TrustJsonSchema, document);
  const out = (text: string): void => void context.io.stdout.write(`${text}\n`);
  if (document.changed !== null) out(document.changed ? 'Updated.' : 'Nothing to change.');
  if (document.keys.length === 0) {
    out('No trusted verifier keys: proofs cannot verify (cus-cli login, cus-cli trust add, or AOS_TRUSTED_KEYS).');
    return;
  }
  const label = {
    profile: `pinned in profile ${document.profile ?? ''}`.trim(),
    env: 'AOS_TRUSTED_KEYS',
    local: 'local deployment',
  };
  for (const { key, source } of document.keys) out(`${key}  (${label[source]})`);
}
