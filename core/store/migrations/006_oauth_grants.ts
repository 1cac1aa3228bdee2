import type { Knex } from 'knex';

/**
 * The gateway as an OAuth client of upstream MCP servers: dynamic registrations per
 * organization and authorization server, consent flows under way (by the hash of their state),
 * and grants per server and subject (the organization, or one user), tokens encrypted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oauth_registrations', (t) => {
    t.string('id', 64).primary();
    t.string('organization_id', 255).notNullable();
    t.string('issuer', 1000).notNullable();
    t.string('redirect_uri', 1000).notNullable();
    t.string('client_id', 1024).notNullable();
    t.text('client_secret').nullable();
    t.string('token_endpoint_auth_method', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['organization_id', 'issuer', 'redirect_uri'], { indexName: 'oauth_registrations_issuer' });
  });
  await knex.schema.createTable('oauth_flows', (t) => {
    t.string('state_hash', 64).primary();
    t.string('organization_id', 255).notNullable();
    t.string('server_id', 64).notNullable();
    t.string('subject', 300).notNullable();
    t.string('started_by_key_id', 64).nullable();
    t.string('started_by_user_id', 255).nullable();
    t.text('client').notNullable();
    t.text('authorization_server').notNullable();
    t.text('code_verifier').notNullable();
    t.string('resource', 1000).notNullable();
    t.text('scope').nullable();
    t.string('redirect_uri', 1000).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at'], 'oauth_flows_expiry');
    t.index(['server_id', 'subject', 'created_at'], 'oauth_flows_subject');
  });
  await knex.schema.createTable('oauth_grants', (t) => {
    t.string('id', 64).primary();
    t.string('organization_id', 255).notNullable();
    t.string('server_id', 64).notNullable();
    t.string('subject', 300).notNullable();
    t.text('client').notNullable();
    t.text('authorization_server').notNullable();
    t.string('resource', 1000).notNullable();
    t.text('scope').nullable();
    t.text('access_token').notNullable();
    t.text('refresh_token').nullable();
    t.bigInteger('access_expires_at').nullable();
    t.bigInteger('access_issued_at').notNullable();
    t.string('status', 16).notNullable();
    t.text('status_reason').nullable();
    t.text('needed_scope').nullable();
    t.bigInteger('version').notNullable();
    t.bigInteger('refreshing_until').nullable();
    t.bigInteger('connected_at').notNullable();
    t.string('connected_by_user_id', 255).nullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['server_id', 'subject'], { indexName: 'oauth_grants_subject' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('oauth_grants');
  await knex.schema.dropTable('oauth_flows');
  await knex.schema.dropTable('oauth_registrations');
}
