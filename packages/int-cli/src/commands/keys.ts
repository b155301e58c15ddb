import {
  generateSigningKeyFile,
  loadVerifierKeySet,
  rotateSigningKey,
  type CliIo,
  type ExitCode,
  type TrustedVerifierKey,
  type VerifierKeySet,
} from '@aos/core';
import { isValidKeyName } from '@aos/proof';
import { resolveAosHome, SIGNING_KEY_FILE } from '@aos/proof/node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { IntCliError } from '../errors';
import { parseFlags, type GlobalOptions } from '../flags';
import type { KeySetJson, KeysGenerateJson, KeysRotateJson, KeysShowJson } from '../json-shapes';
import { renderKeyGenerate, renderKeyRotate, renderKeyShow, writeDocument } from '../render';

const KEY_NAME = z
  .string()
  .refine(isValidKeyName, "must be non-empty, without spaces, '+' or control characters")
  .optional();

function keyJson(key: TrustedVerifierKey): KeySetJson['keys'][number] {
  return {
    status: key.status,
    source: key.source,
    name: key.name,
    key_id: key.keyId,
    verifier_key: key.verifierKey,
    retired_at: key.retiredAt,
  };
}

function keySetJson(set: VerifierKeySet): KeySetJson {
  return { file: set.file, keys: set.keys.map(keyJson), warnings: [...set.warnings] };
}

function keyFileOf(io: CliIo): string {
  return join(resolveAosHome(io.env), SIGNING_KEY_FILE);
}

/**
 * `int-cli keys show`: the trusted key set — the current verifier key and every retired one —
 * read from AOS_SIGNING_KEY / AOS_RETIRED_VERIFIER_KEYS or the key set file under AOS_HOME.
 * Read-only: it never loads or creates a private key; with no key yet it says so (exit 3).
 */
export async function runKeysShow(_args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const set = await loadVerifierKeySet(io.env);
  const current = set.current;
  if (!current) {
    const file = keyFileOf(io);
    const retired = set.keys.length > 0 ? ` (${set.keys.length} retired key${set.keys.length === 1 ? '' : 's'})` : '';
    throw new IntCliError(
      'KEY_NOT_FOUND',
      existsSync(file)
        ? `no verifier key recorded${retired}: ${file} exists but ${set.file ?? 'the key set file'} does not record its verifier key (a key file copied in?); the next command that seals records it`
        : `no signing key yet${retired}: AOS_SIGNING_KEY is not set and ${file} does not exist (int-cli keys generate creates it; so does the first sealed run)`,
      3,
    );
  }
  const document: KeysShowJson = {
    key: { ...keyJson(current), path: current.source === 'file' ? keyFileOf(io) : null },
    key_set: keySetJson(set),
  };
  for (const warning of set.warnings) io.stderr.write(`warning: ${warning}\n`);
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
  const file = keyFileOf(io);
  if (existsSync(file)) {
    throw new IntCliError(
      'KEY_EXISTS',
      `signing key file ${file} already exists; nothing written. ` +
        'int-cli keys rotate replaces it, keeping the old verifier key in the trusted set so earlier checkpoints still verify',
      2,
    );
  }
  const generated = await generateSigningKeyFile(io.env, { name: flags.name });
  const warnings: string[] = [];
  if (generated.shadowedByEnv) {
    warnings.push('AOS_SIGNING_KEY is set and takes precedence: the new key file is not used while it is');
  }
  const document: KeysGenerateJson = {
    key: {
      path: generated.key.path,
      name: generated.key.name,
      key_id: generated.key.keyId,
      verifier_key: generated.key.verifierKey,
    },
    key_set: keySetJson(generated.keySet),
    warnings,
  };
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
  const rotated = await rotateSigningKey(io.env, { origin: flags.origin });
  const document: KeysRotateJson = {
    key: {
      path: rotated.key.path,
      name: rotated.key.name,
      key_id: rotated.key.keyId,
      verifier_key: rotated.key.verifierKey,
    },
    retired: {
      name: rotated.retired.name,
      key_id: rotated.retired.keyId,
      verifier_key: rotated.retired.verifierKey,
      retired_at: rotated.retired.retiredAt,
      backup_path: rotated.retired.backupPath,
    },
    key_set: keySetJson(rotated.keySet),
  };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderKeyRotate(document));
  return 0;
}
