import type { Knex } from 'knex';

/**
 * What the MCP endpoint keeps of a 2025-era agent's session, in the database every instance
 * shares, so any instance serves any request of it: who opened it, for which target, and what
 * the agent said it can answer. And the agent's answers to server-to-client requests, on their
 * way to the instance whose call asked (PostgreSQL only: one SQLite process answers in memory).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agent_sessions', (t) => {
    // A SHA-256 of the session id: the database never holds an id an agent could present.
    t.string('id_hash', 64).primary();
    t.string('key_id', 64).notNullable();
    t.string('target', 320).notNullable();
    t.string('protocol_version', 32).notNullable();
    t.text('input_capabilities').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    t.index(['key_id', 'last_seen_at'], 'agent_sessions_key_seen');
  });
  await knex.schema.createTable('agent_replies', (t) => {
    t.string('id', 64).notNullable();
    // One answer per question and key: another key's answer to the same id never displaces it.
    t.string('key_id', 64).notNullable();
    t.primary(['id', 'key_id'], 'agent_replies_pkey');
    // Encrypted: an agent's answer may hold what a person typed.
    t.text('body').notNullable();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('agent_replies');
  await knex.schema.dropTable('agent_sessions');
}
