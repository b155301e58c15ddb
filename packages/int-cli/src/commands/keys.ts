import {
  describeSigningKey,
  generateSigningKeyFile,
  readSigningKeyFile,
  type CliIo,
  type ExitCode,
  type SigningKeyInfo,
} from '@aos/core';
import { isValidKeyName, resolveAosHome, SIGNING_KEY_FILE } from '@aos/proof';
import { join } from 'node:path';
import { z } from 'zod';
import { IntCliError } from '../errors';
import { parseFlags, type GlobalOptions } from '../flags';
import type { KeysGenerateJson, KeysShowJson } from '../json-shapes';
import { renderKeyGenerate, renderKeyShow, writeDocument } from '../render';

function keyJson(key: SigningKeyInfo): KeysShowJson['key'] {
  return { source: key.source, path: key.path, name: key.name, key_id: key.keyId, verifier_key: key.verifierKey };
}

/**
 * `int-cli keys show`: the verifier key of the signing key in use (AOS_SIGNING_KEY, else the
 * key file under AOS_HOME). Read-only: when there is no key yet it says so (exit 3) instead
 * of creating one.
 */
export async function runKeysShow(_args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const key = await describeSigningKey(io.env);
  if (!key) {
    const file = join(resolveAosHome(io.env), SIGNING_KEY_FILE);
    throw new IntCliError(
      'KEY_NOT_FOUND',
      `no signing key yet: AOS_SIGNING_KEY is not set and ${file} does not exist (int-cli keys generate creates it; so does the first sealed run)`,
      3,
    );
  }
  const document: KeysShowJson = { key: keyJson(key) };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderKeyShow(document));
  return 0;
}

const GenerateFlags = z.object({
  force: z.boolean(),
  name: z.string().refine(isValidKeyName, "must be non-empty, without spaces, '+' or control characters").optional(),
});

/**
 * `int-cli keys generate [--force] [--name N]`: creates the key file. An existing file is
 * refused (exit 2, nothing written) unless --force, which keeps it as a backup first and
 * warns that earlier checkpoints verify only with the old verifier key.
 */
export async function runKeysGenerate(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(GenerateFlags, args);
  const existing = await readSigningKeyFile(io.env);
  if (existing && !flags.force) {
    throw new IntCliError(
      'KEY_EXISTS',
      `signing key file ${existing.path ?? ''} already exists (verifier key ${existing.verifierKey}); nothing written. ` +
        'Rerun with --force to replace it: the old file is kept as signing.key.bak-<timestamp>, and checkpoints it signed verify only with its verifier key',
      2,
    );
  }
  const generated = await generateSigningKeyFile(io.env, { force: flags.force, name: flags.name });
  const warnings: string[] = [];
  if (generated.replaced) {
    warnings.push(
      `checkpoints signed before now verify only with the old verifier key ${generated.replaced.verifierKey} ` +
        `(kept in ${generated.replaced.backupPath}; int-cli audit trusts it from there)`,
    );
  }
  if (generated.shadowedByEnv) {
    warnings.push('AOS_SIGNING_KEY is set and takes precedence: the new key file is not used while it is');
  }
  const document: KeysGenerateJson = {
    key: keyJson(generated.key),
    replaced: generated.replaced
      ? { ...keyJson(generated.replaced), backup_path: generated.replaced.backupPath }
      : null,
    warnings,
  };
  for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderKeyGenerate(document));
  return 0;
}
