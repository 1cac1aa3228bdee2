import type { Knex } from 'knex';
import type { RegistryTokenRepository, StoredRegistryToken } from '../ports';
import { toMillis, toMillisOrNull } from './sql-quirks';

type Row = Record<string, unknown>;

const fromRow = (r: Row): StoredRegistryToken => ({
  id: String(r.id),
  organizationId: String(r.organization_id),
  tokenHash: String(r.token_hash),
  label: (r.label as string | null) ?? null,
  createdAt: toMillis(r.created_at),
  revokedAt: toMillisOrNull(r.revoked_at),
});

/** Registry read tokens in the database every instance shares. */
export class KnexRegistryTokenStore implements RegistryTokenRepository {
  constructor(private readonly db: Knex) {}

  async insert(t: StoredRegistryToken): Promise<void> {
    await this.db('registry_tokens').insert({
      id: t.id,
      organization_id: t.organizationId,
      token_hash: t.tokenHash,
      label: t.label,
      created_at: t.createdAt,
      revoked_at: t.revokedAt,
    });
  }

  async findByHash(tokenHash: string): Promise<StoredRegistryToken | null> {
    const row = (await this.db('registry_tokens').where({ token_hash: tokenHash }).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async list(organizationId: string): Promise<StoredRegistryToken[]> {
    return ((await this.db('registry_tokens').where({ organization_id: organizationId }).orderBy(['created_at', 'id'])) as Row[]).map(fromRow);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return (await this.db('registry_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: at })) > 0;
  }
}
