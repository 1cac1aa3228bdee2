import type { Knex } from 'knex';
import { NameConflict } from '../errors';
import type { ServerQuery } from '../model/input';
import type { ConnectionState, McpServer, ServerAuth } from '../model/server';
import type { ServerRepository } from '../ports';
import { foldText, nameKey, searchText } from '../rules/name-key';
import { cannotMatchStoredText, isUniqueViolation, parseJson, toBoolean, toMillis, toMillisOrNull } from './sql-quirks';
import type { PointReads } from './point-reads';
import type { SqliteReader } from './sqlite-reader';

const TABLE = 'mcp_servers';
/** What a server is read from; named, not `*` (a prepared statement keeps its result's shape). */
const COLUMNS = [
  'id',
  'organization_id',
  'owner_id',
  'type',
  'name',
  'description',
  'url',
  'transport',
  'auth_type',
  'auth_config',
  'auth_secret_id',
  'request_headers',
  'request_header_writers',
  'tools_enabled',
  'allowed_tools',
  'approval_policy',
  'tool_approvals',
  'is_active',
  'connection_status',
  'last_tested_at',
  'last_connected_at',
  'connection_error',
  'discovered_tools',
  'created_at',
  'updated_at',
  'deleted_at',
].join(', ');
/** SQLite's FTS5 trigram index over search_text (migration 008). */
const SEARCH_INDEX = 'mcp_server_search';
/** Organizations with fewer live servers search by scanning their own (see `list`). */
export const INDEXED_SEARCH_MIN_SERVERS = 2000;

type Row = Record<string, unknown>;

export class KnexServerStore implements ServerRepository {
  constructor(
    private readonly db: Knex | Knex.Transaction,
    private readonly engine: 'sqlite' | 'postgres',
    private readonly reader: SqliteReader | null = null,
    private readonly pointReads: PointReads | null = null,
  ) {}

  /** Runs a read on SQLite's read connection when there is one, else through knex. */
  private async read(query: Knex.QueryBuilder): Promise<Row[]> {
    return this.reader ? this.reader.run<Row>(query) : ((await query) as Row[]);
  }

  async insert(server: McpServer): Promise<void> {
    try {
      await this.db(TABLE).insert(toRow(server));
    } catch (error) {
      if (isUniqueViolation(error, 'mcp_servers_live_name')) throw new NameConflict(server.name, server.organizationId);
      throw error;
    }
  }

  async findById(id: string, options: { forUpdate?: boolean } = {}): Promise<McpServer | null> {
    if (cannotMatchStoredText(id)) return null;
    if (this.pointReads && !options.forUpdate) {
      const row = await this.pointReads.one<Row>('server_by_id', `SELECT ${COLUMNS} FROM ${TABLE} WHERE id = ? AND deleted_at IS NULL`, [id]);
      return row ? fromRow(row) : null;
    }
    let query = this.db(TABLE).where({ id }).whereNull('deleted_at').first();
    // SQLite has no row locks: its single connection already serialises transactions.
    if (options.forUpdate && this.engine === 'postgres') query = query.forUpdate();
    const row = (await query) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async list(query: ServerQuery): Promise<{ items: McpServer[]; total: number }> {
    if (cannotMatchStoredText(query.organizationId, query.search)) return { items: [], total: 0 };
    let indexed = query.search && this.engine === 'sqlite' ? trigramGlob(foldText(query.search)) : null;
    // The index holds every organization's text, so a term common across the database costs as
    // much for a small organization as for a large one: only an organization whose own scan
    // would cost more searches through it; the others scan their own servers.
    if (indexed !== null && (await this.liveCount(query.organizationId)) < INDEXED_SEARCH_MIN_SERVERS) indexed = null;
    // With a pattern the trigram index can use, the matching rows come from it, and only they are
    // read (CROSS JOIN keeps SQLite from starting at the organization's rows instead).
    const base: Knex.QueryBuilder = indexed
      ? this.db
          .from(this.db.raw(`${SEARCH_INDEX} CROSS JOIN ${TABLE} ON ${TABLE}.id = ${SEARCH_INDEX}.server_id`))
          .whereRaw(`${SEARCH_INDEX}.search_text GLOB ?`, [indexed])
      : this.db(TABLE);
    base.where(`${TABLE}.organization_id`, query.organizationId).whereNull(`${TABLE}.deleted_at`);
    if (query.type !== undefined) base.where(`${TABLE}.type`, query.type);
    if (query.isActive !== undefined) base.where(`${TABLE}.is_active`, query.isActive);
    // Otherwise LIKE: PostgreSQL's uses the pg_trgm index when there is one; SQLite scans the organization's rows.
    if (query.search && !indexed) base.whereRaw(`${TABLE}.search_text LIKE ? ESCAPE '\\'`, [`%${escapeLike(foldText(query.search))}%`]);
    const unfiltered = query.type === undefined && query.isActive === undefined && !query.search;
    // Unfiltered, the total is the organization's live count, kept by triggers (migration 009).
    const [countRow] = unfiltered
      ? [{ n: await this.liveCount(query.organizationId) }]
      : ((await this.read(base.clone().count({ n: '*' }))) as Array<{ n: unknown }>);
    const order = query.order === 'desc' ? 'desc' : 'asc';
    // Names sort by code point on both engines: PostgreSQL would otherwise use the database's locale.
    const column = { created_at: 'created_at', updated_at: 'updated_at', name: this.engine === 'postgres' ? 'name_key COLLATE "C"' : 'name_key' }[
      query.sort ?? 'created_at'
    ];
    // The id breaks ties, so pages never overlap or skip rows with equal sort values.
    let page = base.clone().select(`${TABLE}.*`).orderByRaw(`${TABLE}.${column} ${order}, ${TABLE}.id ${order}`);
    if (query.limit !== undefined) page = page.limit(query.limit);
    if (query.offset !== undefined && query.offset > 0) page = page.offset(query.offset);
    const rows = await this.read(page);
    return { items: rows.map(fromRow), total: toMillis(countRow?.n ?? 0) };
  }

  /** The organization's live servers, as the triggers of migration 009 keep them. */
  private async liveCount(organizationId: string): Promise<number> {
    const [row] = await this.read(this.db('mcp_server_counts').where('organization_id', organizationId).select({ n: 'live' }));
    return toMillis(row?.n ?? 0);
  }

  async update(server: McpServer): Promise<void> {
    const { id, created_at: _created, ...changes } = toRow(server);
    try {
      await this.db(TABLE).where({ id }).update(changes);
    } catch (error) {
      if (isUniqueViolation(error, 'mcp_servers_live_name')) throw new NameConflict(server.name, server.organizationId);
      throw error;
    }
  }

  async findUsingSecrets(organizationId: string, secretIds: string[]): Promise<Array<{ secretId: string; id: string; name: string }>> {
    secretIds = secretIds.filter((id) => !cannotMatchStoredText(id));
    if (secretIds.length === 0) return [];
    const rows = (await this.db(TABLE)
      .where('organization_id', organizationId)
      .whereNull('deleted_at')
      .whereIn('auth_secret_id', secretIds)
      .select('auth_secret_id', 'id', 'name')
      .orderBy('id')) as Row[];
    return rows.map((r) => ({ secretId: r.auth_secret_id as string, id: r.id as string, name: r.name as string }));
  }

  async updateConnection(id: string, c: ConnectionState): Promise<void> {
    await this.db(TABLE)
      .where({ id })
      .whereNull('deleted_at')
      .update({
        connection_status: c.status,
        last_tested_at: c.lastTestedAt,
        last_connected_at: c.lastConnectedAt,
        connection_error: c.errorMessage,
        discovered_tools: c.tools === null ? null : JSON.stringify(c.tools),
      });
  }

  async countWithUrl(organizationId: string, url: string): Promise<number> {
    if (cannotMatchStoredText(url)) return 0;
    const [row] = (await this.db(TABLE).where({ organization_id: organizationId, url }).whereNull('deleted_at').count({ n: '*' })) as Array<{ n: unknown }>;
    return toMillis(row?.n ?? 0);
  }
}

/**
 * The GLOB pattern for a substring search in SQLite's trigram index, or null when the index
 * cannot narrow it: it needs three characters in a row that are none of GLOB's own `*?[`
 * (those are matched as literals through a one-character class, which trigrams skip). GLOB
 * compares exactly, as LIKE does on text that is folded on both sides.
 */
function trigramGlob(folded: string): string | null {
  const chars = [...folded];
  let run = 0;
  let longest = 0;
  for (const c of chars) {
    run = c === '*' || c === '?' || c === '[' ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  if (longest < 3) return null;
  return `*${chars.map((c) => (c === '*' || c === '?' || c === '[' ? `[${c}]` : c)).join('')}*`;
}

/** LIKE treats % and _ as wildcards; a search for them means the characters themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toRow(s: McpServer): Row {
  const { type: authType, ...authConfig } = s.auth;
  const { secretId, ...publicAuthConfig } = authConfig as { secretId?: string };
  return {
    id: s.id,
    organization_id: s.organizationId,
    owner_id: s.ownerId,
    type: s.type,
    name: s.name,
    name_key: nameKey(s.name),
    description: s.description,
    url: s.url,
    search_text: searchText(s.name, s.description, s.url),
    transport: s.transport,
    auth_type: authType,
    auth_config: JSON.stringify(publicAuthConfig),
    auth_secret_id: secretId ?? null,
    request_headers: JSON.stringify(s.requestHeaders),
    request_header_writers: JSON.stringify(s.headerWriters),
    tools_enabled: s.toolPolicy.enabled,
    allowed_tools: s.toolPolicy.allowedTools === null ? null : JSON.stringify(s.toolPolicy.allowedTools),
    approval_policy: s.toolPolicy.approvalPolicy,
    tool_approvals: JSON.stringify(s.toolApprovals),
    is_active: s.isActive,
    connection_status: s.connection.status,
    last_tested_at: s.connection.lastTestedAt,
    last_connected_at: s.connection.lastConnectedAt,
    connection_error: s.connection.errorMessage,
    discovered_tools: s.connection.tools === null ? null : JSON.stringify(s.connection.tools),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    deleted_at: s.deletedAt,
  };
}

function fromRow(r: Row): McpServer {
  const authConfig = parseJson<Record<string, unknown>>(r.auth_config);
  const auth = { type: r.auth_type, ...authConfig, ...(r.auth_secret_id ? { secretId: r.auth_secret_id } : {}) } as ServerAuth;
  return {
    id: r.id as string,
    organizationId: r.organization_id as string,
    ownerId: (r.owner_id as string | null) ?? null,
    type: r.type as McpServer['type'],
    name: r.name as string,
    description: r.description as string,
    url: r.url as string,
    transport: r.transport as McpServer['transport'],
    auth,
    requestHeaders: parseJson(r.request_headers),
    headerWriters: r.request_header_writers === null || r.request_header_writers === undefined ? {} : parseJson(r.request_header_writers),
    toolPolicy: {
      enabled: toBoolean(r.tools_enabled),
      allowedTools: r.allowed_tools === null ? null : parseJson<string[]>(r.allowed_tools),
      approvalPolicy: r.approval_policy as McpServer['toolPolicy']['approvalPolicy'],
    },
    toolApprovals: parseJson(r.tool_approvals),
    isActive: toBoolean(r.is_active),
    connection: {
      status: r.connection_status as McpServer['connection']['status'],
      lastTestedAt: toMillisOrNull(r.last_tested_at),
      lastConnectedAt: toMillisOrNull(r.last_connected_at),
      errorMessage: (r.connection_error as string | null) ?? null,
      tools: r.discovered_tools === null ? null : parseJson(r.discovered_tools),
    },
    createdAt: toMillis(r.created_at),
    updatedAt: toMillis(r.updated_at),
    deletedAt: toMillisOrNull(r.deleted_at),
  };
}
