import type { Knex } from 'knex';

/**
 * The first schema. Shipped migrations are never edited: a change is a new file in
 * migrations/index.ts. Instants are integer epoch milliseconds and JSON is text on both
 * engines, so the store reads the same shapes from SQLite and PostgreSQL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mcp_servers', (t) => {
    t.string('id', 64).primary();
    t.string('organization_id', 255).notNullable();
    t.string('owner_id', 255).nullable();
    t.string('type', 32).notNullable();
    t.string('name', 255).notNullable();
    // Normalised name (NFKC, case-folded): what uniqueness is decided on.
    t.string('name_key', 1024).notNullable();
    t.text('description').notNullable();
    t.string('url', 1000).notNullable();
    // Name, description and URL folded like name_key: what case-insensitive search reads.
    t.text('search_text').notNullable();
    t.string('transport', 32).notNullable();
    t.string('auth_type', 32).notNullable();
    t.text('auth_config').notNullable();
    t.string('auth_secret_id', 255).nullable();
    t.text('request_headers').notNullable();
    t.boolean('tools_enabled').notNullable();
    t.text('allowed_tools').nullable();
    t.string('approval_policy', 64).notNullable();
    t.text('tool_approvals').notNullable();
    t.boolean('is_active').notNullable();
    t.string('connection_status', 32).notNullable();
    t.bigInteger('last_tested_at').nullable();
    t.bigInteger('last_connected_at').nullable();
    t.text('connection_error').nullable();
    t.text('discovered_tools').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('deleted_at').nullable();
  });
  // The database, not a read before the insert, decides name races.
  await knex.raw('CREATE UNIQUE INDEX mcp_servers_live_name ON mcp_servers (organization_id, name_key) WHERE deleted_at IS NULL');
  await knex.raw('CREATE INDEX mcp_servers_live_by_org ON mcp_servers (organization_id, created_at, id) WHERE deleted_at IS NULL');

  // Secret ids are scoped to their organization: a reference can never reach another tenant's.
  await knex.schema.createTable('secrets', (t) => {
    t.string('organization_id', 255).notNullable();
    t.string('id', 255).notNullable();
    t.string('name', 255).notNullable();
    t.text('ciphertext').notNullable();
    t.string('managed_by', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.primary(['organization_id', 'id'], 'secrets_pkey');
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.string('id', 64).primary();
    t.string('dialect', 16).notNullable();
    t.string('key_hash', 64).notNullable().unique('api_keys_key_hash');
    t.string('secret_hash', 64).nullable();
    t.string('key_prefix', 32).notNullable();
    t.string('user_id', 255).nullable();
    t.string('role', 16).notNullable();
    t.text('organization_ids').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('revoked_at').nullable();
  });

  await knex.schema.createTable('gateway_meta', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('gateway_meta');
  await knex.schema.dropTable('api_keys');
  await knex.schema.dropTable('secrets');
  await knex.schema.dropTable('mcp_servers');
}
