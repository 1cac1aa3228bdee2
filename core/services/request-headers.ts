import { headerContext } from '../secrets/contexts';
import { ValidationError } from '../errors';
import { REDACTED } from '../model/input';
import type { EncryptedHeaders } from '../model/server';
import type { Cipher } from '../ports';
import { checkRequestHeaders } from '../rules/server.rules';

/** Request-header values are secret material: each is encrypted, bound to its server and name. */

export function encryptHeaders(cipher: Cipher, serverId: string, headers: Record<string, string>): EncryptedHeaders {
  checkRequestHeaders(headers);
  const encrypted: EncryptedHeaders = {};
  for (const [name, value] of Object.entries(headers)) encrypted[name] = cipher.encrypt(value, headerContext(serverId, name));
  return encrypted;
}

/**
 * The new header set of an update. A value equal to the mask keeps what is stored for that
 * header; a mask for a header that has no stored value is refused, not stored as a literal.
 */
export function replaceHeaders(cipher: Cipher, serverId: string, current: EncryptedHeaders, next: Record<string, string>): EncryptedHeaders {
  checkRequestHeaders(Object.fromEntries(Object.entries(next).map(([n, v]) => [n, v === REDACTED ? '' : v])));
  const stored = new Map(Object.entries(current).map(([name, value]) => [name.toLowerCase(), value]));
  const result: EncryptedHeaders = {};
  for (const [name, value] of Object.entries(next)) {
    if (value === REDACTED) {
      const kept = stored.get(name.toLowerCase());
      if (kept === undefined) {
        throw new ValidationError(`requestHeaders.${name}`, { rule: 'mask_without_value' });
      }
      result[name] = kept;
    } else {
      result[name] = cipher.encrypt(value, headerContext(serverId, name));
    }
  }
  return result;
}

export function decryptHeaders(cipher: Cipher, serverId: string, headers: EncryptedHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, cipher.decrypt(value, headerContext(serverId, name))]));
}
