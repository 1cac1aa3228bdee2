export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from an API key by a dialect's authenticator. */
export interface Principal {
  keyId: string;
  userId: string | null;
  organizationIds: readonly string[];
  role: Role;
  /** The kind of key (its interface's `KeyFormat.kind`), for the audit trail. */
  dialect?: string;
  /** The request being served, for the audit trail. */
  requestId?: string;
}

export function belongsTo(principal: Principal, organizationId: string): boolean {
  return principal.organizationIds.includes(organizationId);
}
