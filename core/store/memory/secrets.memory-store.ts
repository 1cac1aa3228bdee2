import { SecretIdTaken } from '../../errors';
import type { StoredSecret } from '../../model/secret';
import type { SecretRepository } from '../../ports';
import { compareCodePoints, compareNumbers, copySecret, secretKey, type TableAccess } from './memory-tables';

/** Secrets in memory, answering exactly as KnexSecretStore does. */
export class MemorySecretStore implements SecretRepository {
  constructor(private readonly tables: TableAccess) {}

  insert(secret: StoredSecret): Promise<void> {
    return this.tables.write((t) => {
      const key = secretKey(secret.organizationId, secret.id);
      if (t.secrets.has(key)) throw new SecretIdTaken(secret.id);
      t.secrets.set(key, copySecret(secret));
    });
  }

  async listByOrganization(organizationId: string): Promise<StoredSecret[]> {
    return [...this.tables.read().secrets.values()]
      .filter((s) => s.organizationId === organizationId)
      .sort((a, b) => compareNumbers(a.createdAt, b.createdAt) || compareCodePoints(a.id, b.id))
      .map(copySecret);
  }

  async findById(organizationId: string, id: string): Promise<StoredSecret | null> {
    // Transactions run one at a time, so there is no row to lock (`forUpdate`).
    const secret = this.tables.read().secrets.get(secretKey(organizationId, id));
    return secret ? copySecret(secret) : null;
  }

  update(secret: StoredSecret): Promise<void> {
    return this.tables.write((t) => {
      const key = secretKey(secret.organizationId, secret.id);
      const stored = t.secrets.get(key);
      if (stored) t.secrets.set(key, copySecret({ ...secret, createdAt: stored.createdAt }));
    });
  }

  delete(organizationId: string, id: string): Promise<void> {
    return this.tables.write((t) => {
      t.secrets.delete(secretKey(organizationId, id));
    });
  }
}
