import { InsufficientPermissions, ValidationError } from '../errors';
import type { Principal } from '../model/principal';
import type { StoredSecret } from '../model/secret';
import type { McpServer } from '../model/server';
import { authSecretId } from '../model/server';
import type { Store } from '../ports';
import { assertCanManage } from './access';

/**
 * Who may do what with a credential. The rule every function here serves: a credential is sent
 * only where someone allowed to manage it sent it. Admins manage every credential of their
 * organizations; members manage only the secrets their own user wrote.
 */
export function canManageSecret(principal: Principal, secret: StoredSecret): boolean {
  if (!principal.organizationIds.includes(secret.organizationId)) return false;
  if (principal.role === 'admin') return true;
  return secret.ownerId !== null && secret.ownerId === principal.userId;
}

/**
 * Checks that `principal` may make server `serverId` send the secret `secretId`.
 * - A secret that holds another server's inline credentials can never be referenced.
 * - A member may attach only a secret it owns, and only one that exists (a dangling reference
 *   would let whoever creates that id later choose where its value goes).
 * - An admin may also name an id that does not exist yet (Zudu's seed creates the server first).
 */
export async function assertCanAttachSecret(store: Store, principal: Principal, organizationId: string, secretId: string, serverId: string): Promise<void> {
  const secret = await store.secrets.findById(organizationId, secretId, { forUpdate: true });
  if (!secret) {
    if (principal.role === 'admin') return;
    throw new InsufficientPermissions(`A member key can attach only a secret it owns; secret '${secretId}' is not one of them`);
  }
  if (!canManageSecret(principal, secret)) {
    throw new InsufficientPermissions(`A member key can attach only a secret it owns; secret '${secretId}' is not one of them`);
  }
  if (secret.managedBy !== null && secret.managedBy !== serverId) {
    throw new ValidationError('auth.secretId', { rule: 'foreign_secret', secretId });
  }
}

/** The part of a URL that decides where its credentials go: scheme, host and port. */
export function originOf(url: string): string {
  return new URL(url).origin;
}

/**
 * Moving a server to another origin sends its stored credentials there: refused unless the
 * caller manages every one of them. Admins manage all; a member only secrets and header values
 * its own user wrote. A credential someone else wrote (an admin's, on a member's server) stays
 * where its writer sent it. Credentials given in the same change are the caller's own
 * (`authGivenNow`; header values given now already name the caller as their writer).
 */
export async function assertCanMoveCredentials(
  store: Store,
  principal: Principal,
  server: McpServer,
  { authGivenNow }: { authGivenNow: boolean },
): Promise<void> {
  if (principal.role === 'admin') return;
  for (const name of Object.keys(server.requestHeaders)) {
    const writer = headerWriterOf(server, name.toLowerCase());
    if (writer === null || writer !== principal.userId) {
      throw new InsufficientPermissions(
        `Changing where this configuration connects would send request header '${name}', whose value another user wrote; send a new value for it, remove it, or ask an admin`,
      );
    }
  }
  const secretId = authSecretId(server.auth);
  if (authGivenNow || secretId === null) return;
  // A dangling id counts too: whoever later creates that secret means it for the old origin.
  const secret = await store.secrets.findById(server.organizationId, secretId, { forUpdate: true });
  if (!secret || !canManageSecret(principal, secret)) {
    throw new InsufficientPermissions(
      // The id is not named: a member must not learn the id of a secret it cannot see.
      'Changing where this configuration connects would send a credential this key cannot manage (its auth secret); detach it or ask an admin',
    );
  }
}

/** Who wrote a stored header value; values from before writers were recorded are the owner's. */
export function headerWriterOf(server: McpServer, lowerCaseName: string): string | null {
  return Object.hasOwn(server.headerWriters, lowerCaseName) ? (server.headerWriters[lowerCaseName] ?? null) : server.ownerId;
}

/**
 * Writing a secret under an id that live servers already reference decides what those servers
 * send: only someone who manages every one of them may.
 */
export async function assertCanSupplyReferencedSecret(store: Store, principal: Principal, organizationId: string, secretId: string): Promise<void> {
  const users = await store.servers.findUsingSecrets(organizationId, [secretId]);
  for (const user of users) {
    const server = await store.servers.findById(user.id);
    if (!server) continue;
    try {
      assertCanManage(principal, server);
    } catch {
      throw new InsufficientPermissions(`Secret id '${secretId}' is referenced by configurations this key cannot manage`);
    }
  }
}
