/**
 * BASELINE CODE, not the gateway: the hand-written data access a team would write, with
 * prepared statements and no query builder, shared by the two baseline servers.
 */
import { createHash, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Pool } from 'pg';

type Row = Record<string, unknown>;

export interface BaselineDb {
  keyByHash(hash: string): Promise<Row | undefined>;
  serverById(id: string): Promise<Row | undefined>;
  insertServer(row: Row): Promise<void>;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const COLUMNS = [
  'id',
  'organization_id',
  'owner_id',
  'type',
  'name',
  'name_key',
  'description',
  'url',
  'search_text',
  'transport',
  'auth_type',
  'auth_config',
  'auth_secret_id',
  'request_headers',
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
];

export function openBaselineDb(): BaselineDb {
  if (process.env.BASELINE_SQLITE) {
    const db = new Database(process.env.BASELINE_SQLITE);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    const key = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?');
    const server = db.prepare('SELECT * FROM mcp_servers WHERE id = ? AND deleted_at IS NULL');
    const insert = db.prepare(`INSERT INTO mcp_servers (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
    return {
      keyByHash: async (hash) => key.get(hash) as Row | undefined,
      serverById: async (id) => server.get(id) as Row | undefined,
      insertServer: async (row) => void insert.run(row),
    };
  }
  const pool = new Pool({ connectionString: process.env.BASELINE_POSTGRES, max: 10 });
  return {
    keyByHash: async (hash) => (await pool.query({ name: 'key', text: 'SELECT * FROM api_keys WHERE key_hash = $1', values: [hash] })).rows[0],
    serverById: async (id) =>
      (await pool.query({ name: 'server', text: 'SELECT * FROM mcp_servers WHERE id = $1 AND deleted_at IS NULL', values: [id] })).rows[0],
    insertServer: async (row) => {
      await pool.query({
        name: 'insert',
        text: `INSERT INTO mcp_servers (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
        values: COLUMNS.map((c) => row[c]),
      });
    },
  };
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
const bool = (v: unknown) => v === true || v === 1;

/** The same JSON the gateway's Aitronos dialect answers. */
export function aitronosJson(r: Row) {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    organizationId: r.organization_id,
    userId: r.owner_id,
    serverUrl: r.url,
    transportType: r.transport,
    authType: r.auth_type === 'bearer' ? 'bearer_token' : r.auth_type,
    isActive: bool(r.is_active),
    connectionStatus: r.connection_status,
    lastConnectedAt: iso(r.last_connected_at),
    errorMessage: r.connection_error,
    toolConfiguration: { enabled: bool(r.tools_enabled), allowedTools: r.allowed_tools === null ? null : JSON.parse(r.allowed_tools as string) },
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** The same JSON the gateway's Zudu dialect answers for one server. */
export function zuduJson(r: Row) {
  const approvals = JSON.parse(r.tool_approvals as string) as Array<{ toolName: string; toolHash: string; state: string }>;
  return {
    id: r.id,
    organization_id: r.organization_id,
    server_url: r.url,
    server_name: r.name,
    approval_policy: r.approval_policy,
    transport: r.transport === 'sse' ? 'SSE' : 'STREAMABLE_HTTP',
    description: r.description,
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    request_headers: Object.fromEntries(Object.keys(JSON.parse(r.request_headers as string)).map((k) => [k, '********'])),
    secret_token_id: r.auth_type === 'bearer' ? r.auth_secret_id : null,
    tool_approval_hashes: approvals.map((a) => ({ tool_name: a.toolName, tool_hash: a.toolHash, approval_policy: a.state })),
    dependent_agents: [],
  };
}

/** A new row as a hand-written create would insert it (no validation, no encryption). */
export function newRow(organizationId: string, name: string, url: string, transport: string): Row {
  const now = Date.now();
  return {
    id: `mcp_${randomUUID().replace(/-/g, '')}`,
    organization_id: organizationId,
    owner_id: null,
    type: 'custom',
    name,
    name_key: name.toLowerCase(),
    description: '',
    url,
    search_text: `${name.toLowerCase()}\n\n${url.toLowerCase()}`,
    transport,
    auth_type: 'none',
    auth_config: '{}',
    auth_secret_id: null,
    request_headers: '{}',
    tools_enabled: 1,
    allowed_tools: null,
    approval_policy: 'auto_approve_all',
    tool_approvals: '[]',
    is_active: 1,
    connection_status: 'untested',
    last_tested_at: null,
    last_connected_at: null,
    connection_error: null,
    discovered_tools: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}
