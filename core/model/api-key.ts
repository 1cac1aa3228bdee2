import type { Role } from './principal';

export const DIALECTS = ['aitronos', 'zudu'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** An API key as stored: only hashes of the key (and, for Zudu pairs, of the secret). */
export interface StoredApiKey {
  id: string;
  dialect: Dialect;
  keyHash: string;
  secretHash: string | null;
  /** The first characters of the key, enough for an operator to recognise it. */
  keyPrefix: string;
  /** Every key acts for a user: what it creates is that user's (generated when not given). */
  userId: string;
  organizationIds: string[];
  role: Role;
  createdAt: number;
  revokedAt: number | null;
}
