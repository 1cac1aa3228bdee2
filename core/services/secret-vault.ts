import { NotFound, SecretInUse } from '../errors';
import { newSecretId } from '../ids';
import type { Principal } from '../model/principal';
import type { StoredSecret } from '../model/secret';
import type { Cipher, Clock, Store } from '../ports';
import { checkName, checkSecretId, checkSecretValue } from '../rules/server.rules';
import { assertOrganization } from './access';
import { secretContext } from './secret-context';

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

  async create(principal: Principal, organizationId: string, input: { id?: string; name: string; value: string }): Promise<SecretView> {
    assertOrganization(principal, organizationId);
    const id = input.id === undefined ? newSecretId() : checkSecretId(input.id);
    const now = this.deps.clock.now();
    const secret: StoredSecret = {
      id,
      organizationId,
      name: checkName(input.name),
      ciphertext: this.deps.cipher.encrypt(checkSecretValue(input.value, 'value'), secretContext(organizationId, id)),
      managedBy: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.store.secrets.insert(secret);
    return this.view(secret);
  }

  async list(principal: Principal, organizationId: string): Promise<SecretView[]> {
    assertOrganization(principal, organizationId);
    const secrets = await this.deps.store.secrets.listByOrganization(organizationId);
    const users = await this.deps.store.servers.findUsingSecrets(organizationId, secrets.map((s) => s.id));
    return secrets.map((s) => toView(s, users.filter((u) => u.secretId === s.id)));
  }

  async get(principal: Principal, organizationId: string, id: string): Promise<SecretView> {
    return this.view(await this.find(this.deps.store, principal, organizationId, id));
  }

  update(principal: Principal, organizationId: string, id: string, change: { name?: string; value?: string }): Promise<SecretView> {
    return this.deps.store.transaction(async (tx) => {
      const current = await this.find(tx, principal, organizationId, id);
      const next: StoredSecret = { ...current, updatedAt: this.deps.clock.now() };
      if (change.name !== undefined) next.name = checkName(change.name);
      if (change.value !== undefined) {
        next.ciphertext = this.deps.cipher.encrypt(checkSecretValue(change.value, 'value'), secretContext(organizationId, id));
      }
      await tx.secrets.update(next);
      return this.view(next, tx);
    });
  }

  /** Refused while a live server uses the secret: deleting it would silently break that server. */
  delete(principal: Principal, organizationId: string, id: string): Promise<void> {
    return this.deps.store.transaction(async (tx) => {
      await this.find(tx, principal, organizationId, id);
      const users = await tx.servers.findUsingSecrets(organizationId, [id]);
      if (users.length > 0) throw new SecretInUse(id, users.map((u) => u.id));
      await tx.secrets.delete(organizationId, id);
    });
  }

  private async find(store: Store, principal: Principal, organizationId: string, id: string): Promise<StoredSecret> {
    assertOrganization(principal, organizationId);
    const secret = await store.secrets.findById(organizationId, id);
    if (!secret) throw new NotFound('secret', id);
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
