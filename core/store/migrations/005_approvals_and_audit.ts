import type { Knex } from 'knex';

/**
 * Human approvals of held tool calls, and the audit trail: append-only events chained per
 * organization by hash, with a head row per organization that writers lock, so the chain stays
 * linear whichever instance writes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('approval_requests', (t) => {
    t.string('id', 64).primary();
    t.string('organization_id', 255).notNullable();
    t.string('server_id', 64).notNullable();
    t.string('tool', 255).notNullable();
    t.string('tool_hash', 64).notNullable();
    t.string('arguments_hash', 64).notNullable();
    // Encrypted: shown only to those who may decide.
    t.text('arguments').notNullable();
    t.string('caller_key_id', 64).notNullable();
    t.string('caller_user_id', 255).nullable();
    t.string('status', 16).notNullable();
    t.bigInteger('requested_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('decided_at').nullable();
    t.string('decided_by_key_id', 64).nullable();
    t.string('decided_by_user_id', 255).nullable();
    t.text('reason').nullable();
    t.boolean('approve_always').notNullable().defaultTo(false);
    t.bigInteger('used_at').nullable();
    // SHA-256 of the requestState the upstream gave the approved call's last round (2026-07-28).
    t.string('continuation', 64).nullable();
    t.index(['organization_id', 'status', 'requested_at'], 'approval_requests_org_status');
    t.index(['server_id', 'tool', 'caller_key_id', 'arguments_hash'], 'approval_requests_call');
  });
  // One pending request per call at a time, however many identical calls arrive at once.
  await knex.raw(
    "CREATE UNIQUE INDEX approval_requests_one_pending ON approval_requests (server_id, tool, caller_key_id, arguments_hash, tool_hash) WHERE status = 'pending'",
  );
  await knex.schema.createTable('audit_events', (t) => {
    t.string('organization_id', 255).notNullable();
    t.bigInteger('seq').notNullable();
    t.bigInteger('at').notNullable();
    t.string('actor_key_id', 64).nullable();
    t.string('actor_user_id', 255).nullable();
    t.string('actor_dialect', 32).nullable();
    t.string('action', 64).notNullable();
    t.string('target_type', 32).notNullable();
    t.string('target_id', 255).nullable();
    t.text('fields').notNullable();
    t.string('outcome', 32).notNullable();
    t.text('detail').notNullable();
    t.string('request_id', 128).nullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.primary(['organization_id', 'seq'], 'audit_events_pkey');
    t.index(['organization_id', 'at'], 'audit_events_org_at');
  });
  await knex.schema.createTable('audit_heads', (t) => {
    t.string('organization_id', 255).primary();
    t.bigInteger('seq').notNullable();
    t.string('hash', 64).notNullable();
    // Retention: the last pruned event, where verification starts.
    t.bigInteger('pruned_through_seq').notNullable().defaultTo(0);
    t.string('pruned_through_hash', 64).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_heads');
  await knex.schema.dropTable('audit_events');
  await knex.schema.dropTable('approval_requests');
}
