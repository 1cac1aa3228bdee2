import type { StoredApiKey } from '../../model/api-key';
import type { ApiKeyRepository } from '../../ports';
import { compareNumbers, copyApiKey, type TableAccess } from './memory-tables';

/** API keys in memory, answering exactly as KnexApiKeyStore does. */
export class MemoryApiKeyStore implements ApiKeyRepository {
  constructor(private readonly tables: TableAccess) {}

  insert(key: StoredApiKey): Promise<void> {
    return this.tables.write((t) => {
      // The primary key and the unique hash: raw refusals, as the database gives them.
      if (t.apiKeys.has(key.id)) throw new Error(`api_keys already holds a row with id '${key.id}'`);
      if (this.withHash(key.keyHash, t.apiKeys)) throw new Error('api_keys already holds a row with this key hash');
      t.apiKeys.set(key.id, copyApiKey(key));
    });
  }

  async findByKeyHash(keyHash: string): Promise<StoredApiKey | null> {
    const key = this.withHash(keyHash, this.tables.read().apiKeys);
    return key ? copyApiKey(key) : null;
  }

  async list(): Promise<StoredApiKey[]> {
    // Array sort is stable: keys created in the same millisecond keep their insertion order.
    return [...this.tables.read().apiKeys.values()].sort((a, b) => compareNumbers(a.createdAt, b.createdAt)).map(copyApiKey);
  }

  revoke(id: string, at: number): Promise<boolean> {
    return this.tables.write((t) => {
      const stored = t.apiKeys.get(id);
      if (!stored) return false;
      // A second revocation keeps the first instant.
      if (stored.revokedAt === null) t.apiKeys.set(id, copyApiKey({ ...stored, revokedAt: at }));
      return true;
    });
  }

  async count(): Promise<number> {
    return this.tables.read().apiKeys.size;
  }

  private withHash(keyHash: string, keys: Map<string, StoredApiKey>): StoredApiKey | undefined {
    for (const key of keys.values()) if (key.keyHash === keyHash) return key;
    return undefined;
  }
}
