import type { Role } from './principal';

/**
 * How one interface's keys look and what they may hold. Each interface declares its own (its
 * prefixes are its wire vocabulary); the core only generates, hashes and checks by it.
 */
export interface KeyFormat {
  /** Stored with every key: the interface that issued it, and the only one it authenticates. */
  kind: string;
  /** What the key starts with, e.g. `ak_`. */
  keyPrefix: string;
  /** Keys that come with a second secret (a pair), and what that secret starts with. */
  secretPrefix: string | null;
  /** A key of this kind belongs to exactly one organization. */
  singleOrganization: boolean;
  /** How messages name such a key: "A Zudu key pair". */
  label: string;
}

/** An API key as stored: only hashes of the key (and, for pairs, of the secret). */
export interface StoredApiKey {
  id: string;
  /** The `KeyFormat.kind` it was issued under. */
  kind: string;
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
