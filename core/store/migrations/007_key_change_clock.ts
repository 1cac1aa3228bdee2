import type { Knex } from 'knex';
import { isPostgres } from '../sql-quirks';

/** The channel PostgreSQL notifies on when a key changes (core/store/key-changes.ts listens). */
export const KEY_CHANGE_CHANNEL = 'mcp_gateway_key_changes';

/**
 * A counter that moves whenever a stored API key changes or goes (revoked, edited, deleted) by
 * any path: the service, the command line in another process, an operator's SQL. Instances
 * cache verified keys and drop them when it moves. Kept by triggers, so no writer can forget it;
 * on PostgreSQL the trigger also notifies every listening instance.
 */
const BUMP = 'UPDATE api_key_change_clock SET version = version + 1 WHERE id = 1';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_key_change_clock', (t) => {
    t.integer('id').primary();
    t.bigInteger('version').notNullable();
  });
  await knex('api_key_change_clock').insert({ id: 1, version: 0 });
  if (isPostgres(knex)) {
    await knex.raw(`
      CREATE FUNCTION mcp_gateway_key_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        ${BUMP};
        PERFORM pg_notify('${KEY_CHANGE_CHANNEL}', '');
        RETURN NULL;
      END $$`);
    await knex.raw(
      'CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION mcp_gateway_key_changed()',
    );
  } else {
    await knex.raw(`CREATE TRIGGER api_keys_updated AFTER UPDATE ON api_keys BEGIN ${BUMP}; END`);
    await knex.raw(`CREATE TRIGGER api_keys_deleted AFTER DELETE ON api_keys BEGIN ${BUMP}; END`);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw('DROP TRIGGER api_keys_changed ON api_keys');
    await knex.raw('DROP FUNCTION mcp_gateway_key_changed()');
  } else {
    await knex.raw('DROP TRIGGER api_keys_updated');
    await knex.raw('DROP TRIGGER api_keys_deleted');
  }
  await knex.schema.dropTable('api_key_change_clock');
}
