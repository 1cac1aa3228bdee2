import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Time-ordered ids: `<prefix>_` + a UUIDv7 in hex, so ids sort by creation. */
function timeOrderedId(prefix: string): string {
  return `${prefix}_${uuidv7().replace(/-/g, '')}`;
}

export const newServerId = () => timeOrderedId('mcp');
export const newSecretId = () => timeOrderedId('secret');
export const newKeyId = () => timeOrderedId('key');
export const newUserId = () => timeOrderedId('usr');

/** A high-entropy token for credentials handed to callers (URL-safe). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
export const newApprovalId = () => timeOrderedId('apr');
export const newOAuthGrantId = () => timeOrderedId('oag');
export const newRegistryTokenId = () => timeOrderedId('rtk');
export const newOAuthRegistrationId = () => timeOrderedId('oac');
