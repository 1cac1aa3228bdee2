import { NameConflict } from '../../errors';
import type { ServerQuery } from '../../model/input';
import type { ConnectionState, McpServer } from '../../model/server';
import { authSecretId } from '../../model/server';
import type { ServerRepository } from '../../ports';
import { foldText, nameKey, searchText } from '../../rules/name-key';
import { compareCodePoints, compareNumbers, copyServer, type TableAccess, type Tables } from './memory-tables';

/** Servers in memory, answering exactly as KnexServerStore does (test/store/store-contract.ts holds both to it). */
export class MemoryServerStore implements ServerRepository {
  constructor(private readonly tables: TableAccess) {}

  insert(server: McpServer): Promise<void> {
    return this.tables.write((t) => {
      // The primary key: a raw refusal, as the database gives it, not a domain error.
      if (t.servers.has(server.id)) throw new Error(`mcp_servers already holds a row with id '${server.id}'`);
      assertNameFree(t, server);
      t.servers.set(server.id, copyServer(server));
    });
  }

  async findById(id: string): Promise<McpServer | null> {
    // Transactions run one at a time, so there is no row to lock (`forUpdate`).
    const server = this.tables.read().servers.get(id);
    return server && server.deletedAt === null ? copyServer(server) : null;
  }

  async list(query: ServerQuery): Promise<{ items: McpServer[]; total: number }> {
    const needle = query.search ? foldText(query.search) : null;
    const matches = live(this.tables.read(), query.organizationId).filter(
      (s) =>
        (query.type === undefined || s.type === query.type) &&
        (query.isActive === undefined || s.isActive === query.isActive) &&
        (needle === null || searchText(s.name, s.description, s.url).includes(needle)),
    );
    const direction = query.order === 'desc' ? -1 : 1;
    const bySortField = sortFields[query.sort ?? 'created_at'];
    // The id breaks ties, in the same direction, as in the knex store.
    matches.sort((a, b) => direction * (bySortField(a, b) || compareCodePoints(a.id, b.id)));
    const start = query.offset !== undefined && query.offset > 0 ? query.offset : 0;
    const end = query.limit === undefined ? undefined : start + query.limit;
    return { items: matches.slice(start, end).map(copyServer), total: matches.length };
  }

  update(server: McpServer): Promise<void> {
    return this.tables.write((t) => {
      const stored = t.servers.get(server.id);
      if (!stored) return;
      assertNameFree(t, server);
      t.servers.set(server.id, copyServer({ ...server, createdAt: stored.createdAt }));
    });
  }

  async findUsingSecrets(organizationId: string, secretIds: string[]): Promise<Array<{ secretId: string; id: string; name: string }>> {
    const wanted = new Set(secretIds);
    return live(this.tables.read(), organizationId)
      .filter((s) => wanted.has(authSecretId(s.auth) ?? ''))
      .sort((a, b) => compareCodePoints(a.id, b.id))
      .map((s) => ({ secretId: (s.auth as { secretId: string }).secretId, id: s.id, name: s.name }));
  }

  async countWithUrl(organizationId: string, url: string): Promise<number> {
    return live(this.tables.read(), organizationId).filter((s) => s.url === url).length;
  }

  updateConnection(id: string, connection: ConnectionState): Promise<void> {
    return this.tables.write((t) => {
      const stored = t.servers.get(id);
      if (stored && stored.deletedAt === null) t.servers.set(id, copyServer({ ...stored, connection }));
    });
  }
}

type Comparator = (a: McpServer, b: McpServer) => number;

const sortFields: Record<NonNullable<ServerQuery['sort']>, Comparator> = {
  created_at: (a, b) => compareNumbers(a.createdAt, b.createdAt),
  updated_at: (a, b) => compareNumbers(a.updatedAt, b.updatedAt),
  name: (a, b) => compareCodePoints(nameKey(a.name), nameKey(b.name)),
};

function live(t: Tables, organizationId: string): McpServer[] {
  return [...t.servers.values()].filter((s) => s.organizationId === organizationId && s.deletedAt === null);
}

/** The database's unique index over live rows: (organization, folded name) where not deleted. */
function assertNameFree(t: Tables, server: McpServer): void {
  if ((server.deletedAt ?? null) !== null) return;
  const key = nameKey(server.name);
  for (const other of live(t, server.organizationId)) {
    if (other.id !== server.id && nameKey(other.name) === key) throw new NameConflict(server.name, server.organizationId);
  }
}
