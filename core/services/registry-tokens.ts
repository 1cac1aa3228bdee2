import { sha256Hex as sha256 } from '../digest';
import { NotFound, ValidationError } from '../errors';
import { newRegistryTokenId, randomToken } from '../ids';
import { checkOrganizationId } from '../rules/server.rules';
import type { Principal } from '../model/principal';
import type { Clock, RegistryTokenRepository } from '../ports';

export const REGISTRY_TOKEN_PREFIX = 'rt_';

export interface RegistryTokenView {
  id: string;
  organizationId: string;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/**
 * Read-only tokens for one organization's MCP Registry, issued by an operator on the command line
 * (`registry token create --org`). A token reads that registry and nothing else: its principal is
 * a member of that organization only, and only the registry interface accepts it.
 */
export class RegistryTokens {
  constructor(private readonly deps: { repository: RegistryTokenRepository; clock: Clock }) {}

  async create(organizationId: string, label?: string): Promise<{ token: string; view: RegistryTokenView }> {
    checkOrganizationId(organizationId);
    if (label !== undefined && (label.length === 0 || label.length > 255)) throw new ValidationError('label', { rule: 'length', limit: 255 });
    const token = `${REGISTRY_TOKEN_PREFIX}${randomToken(32)}`;
    const stored = {
      id: newRegistryTokenId(),
      organizationId,
      tokenHash: sha256(token),
      label: label ?? null,
      createdAt: this.deps.clock.now(),
      revokedAt: null,
    };
    await this.deps.repository.insert(stored);
    return { token, view: viewOf(stored) };
  }

  /** The principal a presented token acts as, or null (unknown or revoked). */
  async principalOf(token: string): Promise<Principal | null> {
    if (!token.startsWith(REGISTRY_TOKEN_PREFIX)) return null;
    const stored = await this.deps.repository.findByHash(sha256(token));
    if (!stored || stored.revokedAt !== null) return null;
    return { keyId: stored.id, userId: null, organizationIds: [stored.organizationId], role: 'member', dialect: 'registry' };
  }

  async list(organizationId: string): Promise<RegistryTokenView[]> {
    return (await this.deps.repository.list(organizationId)).map(viewOf);
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.deps.repository.revoke(id, this.deps.clock.now()))) throw new NotFound('key', id);
  }
}

function viewOf(t: { id: string; organizationId: string; label: string | null; createdAt: number; revokedAt: number | null }): RegistryTokenView {
  return { id: t.id, organizationId: t.organizationId, label: t.label, createdAt: t.createdAt, revokedAt: t.revokedAt };
}
