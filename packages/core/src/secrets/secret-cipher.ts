import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AosError } from '../errors';
import type { DataKey } from './data-key';

/** A secret value as stored: AES-256-GCM ciphertext, its nonce and tag, and which data key sealed it. */
export interface SealedSecret {
  readonly ciphertext: Uint8Array;
  readonly iv: Uint8Array;
  readonly authTag: Uint8Array;
  readonly keyId: string;
}

// The tenant and name are authenticated with the value: a row copied to another tenant or
// renamed fails to decrypt instead of handing one tenant's credential to another.
function additionalData(tenantId: string, name: string): Buffer {
  return Buffer.from(`aos.tenant-secret.v1\n${JSON.stringify([tenantId, name])}`, 'utf8');
}

/** Encrypts `value` for `tenantId`/`name` under the data key, with a fresh 96-bit nonce. */
export function sealSecret(dataKey: DataKey, tenantId: string, name: string, value: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey.key, iv);
  cipher.setAAD(additionalData(tenantId, name));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { ciphertext, iv, authTag: cipher.getAuthTag(), keyId: dataKey.id };
}

/**
 * Decrypts a stored secret. Throws an AosError `SECRET_UNREADABLE` naming the secret (never a
 * value) when it was sealed under another data key, or when it does not authenticate: altered,
 * or moved from another tenant or name.
 */
export function openSecret(dataKey: DataKey, tenantId: string, name: string, sealed: SealedSecret): string {
  if (sealed.keyId !== dataKey.id) {
    throw new AosError(
      'SECRET_UNREADABLE',
      `secret ${name} was stored under data key ${sealed.keyId}, but the data key from ${dataKey.source} is ` +
        `${dataKey.id}: use the data key it was stored with, or set the secret again`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey.key, sealed.iv);
    decipher.setAAD(additionalData(tenantId, name));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new AosError(
      'SECRET_UNREADABLE',
      `secret ${name} does not decrypt for this tenant: its stored ciphertext was altered or belongs to ` +
        'another tenant or name; set the secret again',
      { cause: error },
    );
  }
}
