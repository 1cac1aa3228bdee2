import type { Knex } from 'knex';
import type { StoredApiKey } from '../model/api-key';
import type { ApiKeyRepository } from '../ports';
import { cannotMatchStoredText, parseJson, toMillis, toMillisOrNull } from './sql-quirks';
import type { PointReads } from './point-reads';

const TABLE = 'api_keys';
/**
 * Named, not `*`: a prepared statement keeps its result's shape, so a column added by a later
 * migration (while an older instance still runs) cannot break it.
 */
const COLUMNS = 'id, dialect, key_hash, secret_hash, key_prefix, user_id, role, organization_ids, created_at, revoked_at';

export class KnexApiKeyStore implements ApiKeyRepository {
  constructor(
    private readonly db: Knex | Knex.Transaction,
    private readonly pointReads: PointReads | null = null,
  ) {}

  async insert(key: StoredApiKey): Promise<void> {
    await this.db(TABLE).insert({
      id: key.id,
      dialect: key.kind,
      key_hash: key.keyHash,
      secret_hash: key.secretHash,
      key_prefix: key.keyPrefix,
      user_id: key.userId,
      role: key.role,
      organization_ids: JSON.stringify(key.organizationIds),
      created_at: key.createdAt,
      revoked_at: key.revokedAt,
    });
  }

  async findByKeyHash(keyHash: string): Promise<StoredApiKey | null> {
    const row = this.pointReads
      ? await this.pointReads.one<Record<string, unknown>>('key_by_hash', `SELECT ${COLUMNS} FROM ${TABLE} WHERE key_hash = ?`, [keyHash])
      : ((await this.db(TABLE).where({ key_hash: keyHash }).first()) as Record<string, unknown> | undefined);
    return row ? fromRow(row) : null;
  }

  async list(): Promise<StoredApiKey[]> {
    const rows = (await this.db(TABLE).select('*').orderBy('created_at')) as Array<Record<string, unknown>>;
    return rows.map(fromRow);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    if (cannotMatchStoredText(id)) return false;
    const existing = await this.db(TABLE).where({ id }).first('id', 'revoked_at');
    if (!existing) return false;
    await this.db(TABLE).where({ id }).whereNull('revoked_at').update({ revoked_at: at });
    return true;
  }

  async count(): Promise<number> {
    const [row] = (await this.db(TABLE).count({ n: '*' })) as Array<{ n: unknown }>;
    return toMillis(row?.n ?? 0);
  }
}

function fromRow(r: Record<string, unknown>): StoredApiKey {
  return {
    id: r.id as string,
    kind: r.dialect as string,
    keyHash: r.key_hash as string,
    secretHash: (r.secret_hash as string | null) ?? null,
    keyPrefix: r.key_prefix as string,
    userId: r.user_id as string,
    role: r.role as StoredApiKey['role'],
    organizationIds: parseJson(r.organization_ids),
    createdAt: toMillis(r.created_at),
    revokedAt: toMillisOrNull(r.revoked_at),
  };
}
