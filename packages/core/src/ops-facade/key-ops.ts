import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAosHome, SIGNING_KEY_FILE } from '@aos/proof/node';
import { generateSigningKeyFile, rotateSigningKey, type SigningKeyInfo } from '../keys/signing-key-admin';
import { loadVerifierKeySet, type TrustedVerifierKey, type VerifierKeySet } from '../keys/verifier-key-set';
import type { OpsContext } from './ops-context';
import type { AosOps, KeySetView, SigningKeyFileView, TrustedKeyView } from './ops-types';

function keyView(key: TrustedVerifierKey): TrustedKeyView {
  return {
    status: key.status,
    source: key.source,
    name: key.name,
    key_id: key.keyId,
    verifier_key: key.verifierKey,
    retired_at: key.retiredAt,
  };
}

// A parsed key carries a KeyObject: the view keeps the public text only.
function keySetView(set: VerifierKeySet): KeySetView {
  return {
    file: set.file,
    current: set.current === null ? null : keyView(set.current),
    keys: set.keys.map(keyView),
    warnings: [...set.warnings],
  };
}

function keyFileView(key: SigningKeyInfo): SigningKeyFileView {
  return { path: key.path, name: key.name, key_id: key.keyId, verifier_key: key.verifierKey };
}

/** `keys`: the key set and the signing key file under AOS_HOME. None of these opens the store. */
export function keyOps(ctx: OpsContext): AosOps['keys'] {
  return {
    async show() {
      const set = keySetView(await loadVerifierKeySet(ctx.env));
      // Whether the file is there, never what it holds: showing keys loads no private key.
      const path = join(resolveAosHome(ctx.env), SIGNING_KEY_FILE);
      return { ...set, signing_key_file: { path, exists: existsSync(path) } };
    },
    async generate(options = {}) {
      const generated = await generateSigningKeyFile(ctx.env, { name: options.name });
      return {
        key: keyFileView(generated.key),
        key_set: keySetView(generated.keySet),
        shadowed_by_env: generated.shadowedByEnv,
      };
    },
    async rotate(options = {}) {
      const rotated = await rotateSigningKey(ctx.env, { origin: options.origin });
      return {
        key: keyFileView(rotated.key),
        retired: {
          name: rotated.retired.name,
          key_id: rotated.retired.keyId,
          verifier_key: rotated.retired.verifierKey,
          retired_at: rotated.retired.retiredAt,
          backup_path: rotated.retired.backupPath,
        },
        key_set: keySetView(rotated.keySet),
      };
    },
  };
}
