import type { Knex } from 'knex';

/**
 * Read tokens for an organization's MCP Registry (`/registry/{org_id}`), for clients that cannot
 * send headers (an IDE given only a registry URL). Only the token's SHA-256 is kept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('registry_tokens', (t) => {
    t.string('id', 64).primary();
    t.string('organization_id', 255).notNullable();
    t.string('token_hash', 64).notNullable().unique();
    t.string('label', 255).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('revoked_at').nullable();
    t.index(['organization_id'], 'registry_tokens_org');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('registry_tokens');
}
