export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from an API key by a dialect's authenticator. */
export interface Principal {
  keyId: string;
  userId: string | null;
  organizationIds: readonly string[];
  role: Role;
}

export function belongsTo(principal: Principal, organizationId: string): boolean {
  return principal.organizationIds.includes(organizationId);
}
