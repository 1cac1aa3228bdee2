/** Every engine difference the store has to absorb, in one place. */
import type { Knex } from 'knex';

/** Whether a migration (or any knex handle) runs on PostgreSQL; SQLite otherwise. */
export function isPostgres(knex: Knex): boolean {
  return knex.client.config.client === 'pg';
}

/** PostgreSQL returns bigint columns as strings; SQLite as numbers. */
export function toMillis(value: unknown): number {
  return typeof value === 'string' ? Number(value) : (value as number);
}

/** The rows a raw statement returned: better-sqlite3 gives an array, pg a result with `rows`. */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

export function toMillisOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toMillis(value);
}

/** SQLite stores booleans as 0/1. */
export function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

/** JSON is stored as text on both engines. */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** SQLite reports `SQLITE_CONSTRAINT_UNIQUE` (or `_PRIMARYKEY`), PostgreSQL SQLSTATE 23505. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e?.code === '23505') return e.constraint === constraint;
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return constraintColumns[constraint]?.every((column) => e.message?.includes(column)) ?? false;
  }
  return false;
}

/** SQLite names the columns of a violated unique index, not the index. */
const constraintColumns: Record<string, string[]> = {
  mcp_servers_live_name: ['mcp_servers.organization_id', 'mcp_servers.name_key'],
  secrets_pkey: ['secrets.organization_id', 'secrets.id'],
  api_keys_key_hash: ['api_keys.key_hash'],
  oauth_registrations_issuer: ['oauth_registrations.organization_id', 'oauth_registrations.issuer', 'oauth_registrations.redirect_uri'],
};

/**
 * PostgreSQL text cannot hold NUL, and refuses a query that binds one. Nothing the gateway stores
 * contains NUL (the record's rules reject it), so a lookup by such a value simply finds nothing.
 */
export function cannotMatchStoredText(...values: unknown[]): boolean {
  return values.some((v) => typeof v === 'string' && v.includes('\u0000'));
}

/** What may be logged of a database error. */
export interface DatabaseErrorSummary {
  code: string;
  /** The statement's kind and table (`insert mcp_servers`), or `query` when unknown. */
  operation: string;
}

/**
 * Reduces an error from either engine to its code and operation, or returns null for any other
 * error. knex prefixes its errors' messages with the statement (and its bound values: tenant
 * ids, names, URLs, ciphertexts), and engines quote values in their own messages, so neither
 * message nor stack of a database error may be logged.
 */
export function summarizeDatabaseError(error: unknown): DatabaseErrorSummary | null {
  const e = error as { code?: unknown; severity?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const fromSqlite = /^SQLITE_/.test(code);
  const fromPostgres = typeof e?.severity === 'string' && /^[0-9A-Z]{5}$/.test(code);
  if (!fromSqlite && !fromPostgres) return null;
  return { code, operation: operationOf(typeof e.message === 'string' ? e.message : '') };
}

const STATEMENT = /^\s*(?:(insert)\s+into|(update)|(delete)\s+from|(select)\b[\s\S]*?\bfrom)\s+[`"]?(\w+)/i;

function operationOf(message: string): string {
  const m = STATEMENT.exec(message);
  if (!m) return /^\s*(begin|commit|rollback)/i.exec(message)?.[1]?.toLowerCase() ?? 'query';
  const verb = (m[1] ?? m[2] ?? m[3] ?? m[4])!.toLowerCase();
  return `${verb} ${m[5]}`;
}
