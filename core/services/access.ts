import { InsufficientPermissions, NotFound, OrganizationAccessDenied } from '../errors';
import { belongsTo, type Principal } from '../model/principal';
import type { McpServer } from '../model/server';
import type { Store } from '../ports';

export function assertOrganization(principal: Principal, organizationId: string): void {
  if (!belongsTo(principal, organizationId)) throw new OrganizationAccessDenied(organizationId);
}

/** Another tenant's server answers exactly like one that does not exist. */
export async function findAccessibleServer(store: Store, principal: Principal, id: string, options: { forUpdate?: boolean } = {}): Promise<McpServer> {
  const server = await store.servers.findById(id, options);
  if (!server || !belongsTo(principal, server.organizationId)) throw new NotFound('server', id);
  return server;
}

/** Admins manage every server of their organizations; members only those they created. */
export function assertCanManage(principal: Principal, server: McpServer): void {
  if (principal.role === 'admin') return;
  if (server.ownerId !== null && server.ownerId === principal.userId) return;
  throw new InsufficientPermissions('Only the creator of this configuration or an organization admin can change it');
}
