import { createHash } from 'node:crypto';

/** SHA-256 of UTF-8 text, in hex: how keys, tokens and sessions are stored and compared. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
