import type { Knex } from 'knex';
import { SecretIdTaken } from '../errors';
import type { StoredSecret } from '../model/secret';
import type { SecretRepository } from '../ports';
import { cannotMatchStoredText, isUniqueViolation, toMillis } from './sql-quirks';

const TABLE = 'secrets';

export class KnexSecretStore implements SecretRepository {
  constructor(
    private readonly db: Knex | Knex.Transaction,
    private readonly engine: 'sqlite' | 'postgres',
  ) {}

  async insert(secret: StoredSecret): Promise<void> {
    try {
      await this.db(TABLE).insert(toRow(secret));
    } catch (error) {
      if (isUniqueViolation(error, 'secrets_pkey')) throw new SecretIdTaken(secret.id);
      throw error;
    }
  }

  async listByOrganization(organizationId: string): Promise<StoredSecret[]> {
    const rows = (await this.db(TABLE)
      .where({ organization_id: organizationId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])) as Array<Record<string, unknown>>;
    return rows.map(fromRow);
  }

  async findById(organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredSecret | null> {
    if (cannotMatchStoredText(organizationId, id)) return null;
    let query = this.db(TABLE).where({ organization_id: organizationId, id }).first();
    // SQLite has no row locks: its single writer already serialises transactions.
    if (options.forUpdate && this.engine === 'postgres') query = query.forUpdate();
    const row = (await query) as Record<string, unknown> | undefined;
    return row ? fromRow(row) : null;
  }

  async update(secret: StoredSecret): Promise<void> {
    const { id, organization_id, created_at: _created, ...changes } = toRow(secret);
    await this.db(TABLE).where({ organization_id, id }).update(changes);
  }

  async delete(organizationId: string, id: string): Promise<void> {
    await this.db(TABLE).where({ organization_id: organizationId, id }).delete();
  }
}

function toRow(s: StoredSecret): Record<string, unknown> {
  return {
    id: s.id,
    organization_id: s.organizationId,
    name: s.name,
    ciphertext: s.ciphertext,
    managed_by: s.managedBy,
    owner_id: s.ownerId,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

function fromRow(r: Record<string, unknown>): StoredSecret {
  return {
    id: r.id as string,
    organizationId: r.organization_id as string,
    name: r.name as string,
    ciphertext: r.ciphertext as string,
    managedBy: (r.managed_by as string | null) ?? null,
    ownerId: (r.owner_id as string | null) ?? null,
    createdAt: toMillis(r.created_at),
    updatedAt: toMillis(r.updated_at),
  };
}
