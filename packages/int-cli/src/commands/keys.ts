import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { withOps, type AosConfig, type KeySetView } from '@aos/core/ops';
import { isValidKeyName } from '@aos/proof';
import { z } from 'zod';
import { IntCliError } from '../errors';
import { parseFlags, type GlobalOptions } from '../flags';
import type { KeySetJson, KeysGenerateJson, KeysRotateJson, KeysShowJson } from '../json-shapes';
import { renderKeyGenerate, renderKeyRotate, renderKeyShow, writeDocument } from '../render';

const KEY_NAME = z
  .string()
  .refine(isValidKeyName, "must be non-empty, without spaces, '+' or control characters")
  .optional();

function keySetJson(set: KeySetView): KeySetJson {
  return { file: set.file, keys: set.keys, warnings: set.warnings };
}

// The key commands never open the store (keys live under AOS_HOME or in AOS_SIGNING_KEY), so
// they take neither --database-url nor a lock notice: they worked without a database before.
function keysConfig(io: CliIo): AosConfig {
  return { env: io.env };
}

/**
 * `int-cli keys show`: the trusted key set — the current verifier key and every retired one —
 * read from AOS_SIGNING_KEY / AOS_RETIRED_VERIFIER_KEYS or the key set file under AOS_HOME.
 * Read-only: it never loads or creates a private key; with no key yet it says so (exit 3).
 */
export async function runKeysShow(_args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const status = await withOps(keysConfig(io), (ops) => ops.keys.show());
  const current = status.current;
  if (!current) {
    const file = status.signing_key_file.path;
    const n = status.keys.length;
    const retired = n > 0 ? ` (${n} retired key${n === 1 ? '' : 's'})` : '';
    throw new IntCliError(
      'KEY_NOT_FOUND',
      status.signing_key_file.exists
        ? `no verifier key recorded${retired}: ${file} exists but ${status.file ?? 'the key set file'} does not record its verifier key (a key file copied in?); the next command that seals records it`
        : `no signing key yet${retired}: AOS_SIGNING_KEY is not set and ${file} does not exist (int-cli keys generate creates it; so does the first sealed run)`,
      3,
    );
  }
  const document: KeysShowJson = {
    key: { ...current, path: current.source === 'file' ? status.signing_key_file.path : null },
    key_set: keySetJson(status),
  };
  for (const warning of status.warnings) io.stderr.write(`warning: ${warning}\n`);
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderKeyShow(document));
  return 0;
}

const GenerateFlags = z.object({ name: KEY_NAME });

/**
 * `int-cli keys generate [--name N]`: creates the first key file and records its verifier key
 * in the key set. An existing key file is refused (exit 2, nothing written): `keys rotate`
 * replaces one without losing it.
 */
export async function runKeysGenerate(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(GenerateFlags, args);
  const generated = await withOps(keysConfig(io), async (ops) => {
    const { signing_key_file: file } = await ops.keys.show();
    if (file.exists) {
      throw new IntCliError(
        'KEY_EXISTS',
        `signing key file ${file.path} already exists; nothing written. ` +
          'int-cli keys rotate replaces it, keeping the old verifier key in the trusted set so earlier checkpoints still verify',
        2,
      );
    }
    return ops.keys.generate({ name: flags.name });
  });
  const warnings: string[] = [];
  if (generated.shadowed_by_env) {
    warnings.push('AOS_SIGNING_KEY is set and takes precedence: the new key file is not used while it is');
  }
  const document: KeysGenerateJson = { key: generated.key, key_set: keySetJson(generated.key_set), warnings };
  for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderKeyGenerate(document));
  return 0;
}

const RotateFlags = z.object({ origin: KEY_NAME });

/**
 * `int-cli keys rotate [--origin O]`: a new signing key (same origin name unless --origin)
 * replaces the key file; the old verifier key moves to the retired set with today's date and
 * its private key is kept as a backup, so runs sealed before still verify everywhere. Exit 3
 * when there is no key to rotate, 2 when AOS_SIGNING_KEY is set (rotate it where it is set).
 */
export async function runKeysRotate(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(RotateFlags, args);
  const rotated = await withOps(keysConfig(io), (ops) => ops.keys.rotate({ origin: flags.origin }));
  const document: KeysRotateJson = {
    key: rotated.key,
    retired: rotated.retired,
    key_set: keySetJson(rotated.key_set),
  };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderKeyRotate(document));
  return 0;
}
