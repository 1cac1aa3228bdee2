import type { Knex } from 'knex';

/**
 * The operator console's sign-in sessions, in the database every instance shares, so any
 * instance serves a signed-in browser and signing out ends the session everywhere. Only hashes:
 * the database never holds a cookie or a CSRF token a browser could present, and the key is
 * named by the hash `api_keys` already stores, so a revoked key ends its sessions at once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.string('token_hash', 64).primary();
    t.string('key_hash', 64).notNullable();
    t.string('csrf_hash', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at'], 'console_sessions_expiry');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('console_sessions');
}
