import type { Knex } from 'knex';
import { isPostgres } from '../sql-quirks';

/**
 * An index for substring search over `search_text` (name, description and URL, folded).
 *
 * SQLite: an FTS5 table with the trigram tokenizer, kept by triggers on every write path. Its
 * rows are numbered by a table of their own (`mcp_server_search_rows`), not by `mcp_servers`'
 * rowid: that table's key is text, and VACUUM may renumber such a table's rowids.
 *
 * PostgreSQL: a GIN index with pg_trgm's operator class, which LIKE uses as it is. The extension
 * is created when the database lets this role create it; when it cannot, nothing fails: search
 * scans as before, and the README says how an operator adds the index later.
 */
export async function up(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await createTrigramIndex(knex);
    return;
  }
  await knex.raw('CREATE TABLE mcp_server_search_rows (seq INTEGER PRIMARY KEY AUTOINCREMENT, server_id TEXT NOT NULL UNIQUE)');
  await knex.raw(`CREATE VIRTUAL TABLE mcp_server_search USING fts5(server_id UNINDEXED, search_text, tokenize = 'trigram case_sensitive 1', detail = none)`);
  const seqOf = (id: string) => `(SELECT seq FROM mcp_server_search_rows WHERE server_id = ${id})`;
  await knex.raw(`CREATE TRIGGER mcp_servers_search_insert AFTER INSERT ON mcp_servers BEGIN
      INSERT INTO mcp_server_search_rows (server_id) VALUES (new.id);
      INSERT INTO mcp_server_search (rowid, server_id, search_text) VALUES (${seqOf('new.id')}, new.id, new.search_text);
    END`);
  await knex.raw(`CREATE TRIGGER mcp_servers_search_update AFTER UPDATE OF search_text ON mcp_servers WHEN old.search_text IS NOT new.search_text BEGIN
      UPDATE mcp_server_search SET search_text = new.search_text WHERE rowid = ${seqOf('new.id')};
    END`);
  await knex.raw(`CREATE TRIGGER mcp_servers_search_delete AFTER DELETE ON mcp_servers BEGIN
      DELETE FROM mcp_server_search WHERE rowid = ${seqOf('old.id')};
      DELETE FROM mcp_server_search_rows WHERE server_id = old.id;
    END`);
  await knex.raw('INSERT INTO mcp_server_search_rows (server_id) SELECT id FROM mcp_servers ORDER BY created_at, id');
  await knex.raw(
    'INSERT INTO mcp_server_search (rowid, server_id, search_text) SELECT r.seq, s.id, s.search_text FROM mcp_server_search_rows r JOIN mcp_servers s ON s.id = r.server_id',
  );
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw('DROP INDEX IF EXISTS mcp_servers_search_trgm');
    return;
  }
  for (const trigger of ['mcp_servers_search_insert', 'mcp_servers_search_update', 'mcp_servers_search_delete']) await knex.raw(`DROP TRIGGER ${trigger}`);
  await knex.raw('DROP TABLE mcp_server_search');
  await knex.raw('DROP TABLE mcp_server_search_rows');
}

/**
 * Creates pg_trgm (if this role may) and the GIN index over `search_text`; true when the index
 * exists afterwards. A failed attempt is rolled back to a savepoint, so the migration goes on.
 */
export async function createTrigramIndex(knex: Knex): Promise<boolean> {
  const schemaOf = async () =>
    (
      (await knex.raw("SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")) as {
        rows: Array<{ schema: string }>;
      }
    ).rows[0]?.schema;
  let schema = await schemaOf();
  if (schema === undefined) {
    try {
      await knex.transaction(async (savepoint) => {
        await savepoint.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      });
    } catch {
      return false;
    }
    schema = await schemaOf();
    if (schema === undefined) return false;
  }
  await knex.raw(`CREATE INDEX IF NOT EXISTS mcp_servers_search_trgm ON mcp_servers USING gin (search_text "${schema.replace(/"/g, '""')}".gin_trgm_ops)`);
  return true;
}
