/** A secret value, stored encrypted. Servers point to secrets by id. */
export interface StoredSecret {
  id: string;
  organizationId: string;
  name: string;
  /** AES-256-GCM envelope produced by the Cipher; never plaintext. */
  ciphertext: string;
  /** The server that owns this secret (credentials given inline), or null for a shared secret. */
  managedBy: string | null;
  /**
   * The user whose key wrote it: members see and manage only their own secrets. Null for shared
   * secrets written before secrets had owners (admins only) and for operator imports.
   */
  ownerId: string | null;
  createdAt: number;
  updatedAt: number;
}
