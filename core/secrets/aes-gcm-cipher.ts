import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Cipher } from '../ports';

const VERSION = 'v1';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class DecryptionFailed extends Error {
  constructor() {
    super('A stored secret could not be decrypted: the encryption key does not match the one it was written with');
    this.name = 'DecryptionFailed';
  }
}

/**
 * AES-256-GCM with a fresh 96-bit IV per value. The envelope is `v1.<iv>.<tag>.<ciphertext>`
 * in base64url. The `aad` (a row id) is authenticated, so a ciphertext copied onto another
 * row fails to decrypt instead of lending its secret to that row.
 */
export class AesGcmCipher implements Cipher {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`An AES-256 key is ${KEY_BYTES} bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(envelope: string, aad: string): string {
    const [version, iv, tag, body] = envelope.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) throw new DecryptionFailed();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionFailed();
    }
  }
}

/** Parses `MCP_GATEWAY_ENCRYPTION_KEY`: base64 (standard or URL-safe) of exactly 32 bytes. */
export function parseEncryptionKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const key = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  return key.length === KEY_BYTES ? key : null;
}

export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
