/** Every engine difference the store has to absorb, in one place. */

/** PostgreSQL returns bigint columns as strings; SQLite as numbers. */
export function toMillis(value: unknown): number {
  return typeof value === 'string' ? Number(value) : (value as number);
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
};

/**
 * PostgreSQL text cannot hold NUL, and refuses a query that binds one. Nothing the gateway stores
 * contains NUL (the record's rules reject it), so a lookup by such a value simply finds nothing.
 */
export function cannotMatchStoredText(...values: unknown[]): boolean {
  return values.some((v) => typeof v === 'string' && v.includes('\u0000'));
}
