import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateEncryptionKey, parseEncryptionKey } from './aes-gcm-cipher';

/**
 * Reads the key file beside an SQLite database, creating it (mode 0600) on first start.
 * Creation uses O_EXCL, so two processes starting at once agree on one key.
 */
export function loadOrCreateKeyFile(path: string): { key: Buffer; created: boolean } {
  mkdirSync(dirname(path), { recursive: true });
  let created = false;
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, `${generateEncryptionKey()}\n`);
    } finally {
      closeSync(fd);
    }
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(`The key file ${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
  }
  const key = parseEncryptionKey(readFileSync(path, 'utf8'));
  if (!key) throw new Error(`The key file ${path} does not hold base64 of 32 bytes`);
  return { key, created };
}
