import { auditEvent } from './audit-trail';
import { NotFound, SecretInUse } from '../errors';
import { newSecretId } from '../ids';
import type { Principal } from '../model/principal';
import type { StoredSecret } from '../model/secret';
import type { Cipher, Clock, Store } from '../ports';
import { checkName, checkSecretId, checkSecretValue } from '../rules/server.rules';
import { assertOrganization } from './access';
import { assertCanSupplyReferencedSecret, canManageSecret } from './credential-access';
import { untestedConnection } from './connection-reset';
import { secretContext } from '../secrets/contexts';

/** A secret as callers may see it: never its value. */
export interface SecretView {
  id: string;
  organizationId: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  usedBy: Array<{ id: string; name: string }>;
}

/** Organization secrets that servers point to (Zudu's `secret_token.secret_id`). */
export class SecretVault {
  constructor(private readonly deps: { store: Store; cipher: Cipher; clock: Clock }) {}

  /** The secret is the caller's own: members manage only what they wrote. */
  create(principal: Principal, organizationId: string, input: { id?: string; name: string; value: string }): Promise<SecretView> {
    assertOrganization(principal, organizationId);
    const id = input.id === undefined ? newSecretId() : checkSecretId(input.id);
    const now = this.deps.clock.now();
    const secret: StoredSecret = {
      id,
      organizationId,
      name: checkName(input.name),
      ciphertext: this.deps.cipher.encrypt(checkSecretValue(input.value, 'value'), secretContext(organizationId, id)),
      managedBy: null,
      ownerId: principal.userId,
      createdAt: now,
      updatedAt: now,
    };
    return this.deps.store.transaction(async (tx) => {
      // Servers may already name this id (Zudu's seed creates the server first): the new value
      // goes to them, so the writer must manage each one.
      await assertCanSupplyReferencedSecret(tx, principal, organizationId, id);
      await tx.secrets.insert(secret);
      await resetServersUsing(tx, organizationId, id);
      await tx.audit.append(
        auditEvent(principal, organizationId, now, { action: 'secret.created', targetType: 'secret', targetId: id, fields: ['name', 'value'] }),
      );
      return this.view(secret, tx);
    });
  }

  /** Admins see every secret of the organization; members only their own. */
  async list(principal: Principal, organizationId: string): Promise<SecretView[]> {
    assertOrganization(principal, organizationId);
    const secrets = (await this.deps.store.secrets.listByOrganization(organizationId)).filter((s) => canManageSecret(principal, s));
    const users = await this.deps.store.servers.findUsingSecrets(
      organizationId,
      secrets.map((s) => s.id),
    );
    return secrets.map((s) =>
      toView(
        s,
        users.filter((u) => u.secretId === s.id),
      ),
    );
  }

  async get(principal: Principal, organizationId: string, id: string): Promise<SecretView> {
    return this.view(await this.find(this.deps.store, principal, organizationId, id));
  }

  update(principal: Principal, organizationId: string, id: string, change: { name?: string; value?: string }): Promise<SecretView> {
    return this.deps.store.transaction(async (tx) => {
      const current = await this.find(tx, principal, organizationId, id, true);
      const next: StoredSecret = { ...current, updatedAt: this.deps.clock.now() };
      if (change.name !== undefined) next.name = checkName(change.name);
      if (change.value !== undefined) {
        // The writer of a value owns it: an admin who rotates a member's secret makes it an
        // admin's credential, which the member can then no longer move elsewhere.
        next.ownerId = principal.userId ?? current.ownerId;
        next.ciphertext = this.deps.cipher.encrypt(checkSecretValue(change.value, 'value'), secretContext(organizationId, id));
      }
      await tx.secrets.update(next);
      // A rotated credential has not been tested yet: no server keeps a status earned by the old one.
      if (change.value !== undefined) await resetServersUsing(tx, organizationId, id);
      const fields = [...(change.name !== undefined ? ['name'] : []), ...(change.value !== undefined ? ['value'] : [])];
      await tx.audit.append(
        auditEvent(principal, organizationId, next.updatedAt, {
          action: change.value !== undefined ? 'secret.rotated' : 'secret.updated',
          targetType: 'secret',
          targetId: id,
          fields,
        }),
      );
      return this.view(next, tx);
    });
  }

  /** Refused while a live server uses the secret: deleting it would silently break that server. */
  delete(principal: Principal, organizationId: string, id: string): Promise<void> {
    return this.deps.store.transaction(async (tx) => {
      await this.find(tx, principal, organizationId, id, true);
      const users = await tx.servers.findUsingSecrets(organizationId, [id]);
      if (users.length > 0)
        throw new SecretInUse(
          id,
          users.map((u) => u.id),
        );
      await tx.secrets.delete(organizationId, id);
      await tx.audit.append(auditEvent(principal, organizationId, this.deps.clock.now(), { action: 'secret.deleted', targetType: 'secret', targetId: id }));
    });
  }

  private async find(store: Store, principal: Principal, organizationId: string, id: string, lock = false): Promise<StoredSecret> {
    assertOrganization(principal, organizationId);
    const secret = await store.secrets.findById(organizationId, id, { forUpdate: lock });
    // Another user's secret answers like one that does not exist: a member cannot learn it.
    if (!secret || !canManageSecret(principal, secret)) throw new NotFound('secret', id);
    return secret;
  }

  private async view(secret: StoredSecret, store: Store = this.deps.store): Promise<SecretView> {
    return toView(secret, await store.servers.findUsingSecrets(secret.organizationId, [secret.id]));
  }
}

function toView(secret: StoredSecret, users: Array<{ id: string; name: string }>): SecretView {
  return {
    id: secret.id,
    organizationId: secret.organizationId,
    name: secret.name,
    createdAt: secret.createdAt,
    updatedAt: secret.updatedAt,
    usedBy: users.map(({ id, name }) => ({ id, name })),
  };
}

async function resetServersUsing(store: Store, organizationId: string, secretId: string): Promise<void> {
  for (const user of await store.servers.findUsingSecrets(organizationId, [secretId])) {
    const server = await store.servers.findById(user.id, { forUpdate: true });
    if (server && server.connection.status !== 'untested') await store.servers.updateConnection(server.id, untestedConnection());
  }
}
