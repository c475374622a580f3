/**
 * Secrets at rest: AES-256-GCM under a master key from configuration. Each
 * sealed value names the key that sealed it, so master keys can be rotated.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface SecretBox {
  keyId: string;
  seal(plaintext: string): string;
  open(sealed: string, keyId: string): string;
}

const IV_BYTES = 12;

export function createSecretBox(
  masterKeys: Record<string, Buffer>,
  currentKeyId: string,
): SecretBox {
  const current = masterKeys[currentKeyId];
  if (!current || current.length !== 32)
    throw new Error(`master key ${currentKeyId} must be 32 bytes`);

  return {
    keyId: currentKeyId,
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
    },
    open(sealed, keyId) {
      const key = masterKeys[keyId];
      if (!key) throw new Error(`unknown master key ${keyId}`);
      const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
      if (!iv || !tag || !body) throw new Error('malformed sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}

/** The box for the configured master key. */
export function secretBoxFromConfig(config: { secretsMasterKey: Buffer }): SecretBox {
  const keyId = masterKeyId(config.secretsMasterKey);
  return createSecretBox({ [keyId]: config.secretsMasterKey }, keyId);
}

/** A short, stable id for a master key, safe to store beside ciphertext. */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}
