import type { Knex } from 'knex';
import { isPostgres } from '../sql-quirks';

/**
 * The number of live (not deleted) servers per organization, kept by triggers on every write
 * path, so an unfiltered list reads its total from one row instead of counting the
 * organization's index entries on every page (most of a list page's cost with 10,000 servers).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mcp_server_counts', (t) => {
    t.string('organization_id', 255).primary();
    t.bigInteger('live').notNullable();
  });
  // PostgreSQL: no write (an older instance still running) may fall between the count and the triggers.
  if (isPostgres(knex)) await knex.raw('LOCK TABLE mcp_servers IN SHARE ROW EXCLUSIVE MODE');
  await knex.raw(
    'INSERT INTO mcp_server_counts (organization_id, live) SELECT organization_id, count(*) FROM mcp_servers WHERE deleted_at IS NULL GROUP BY organization_id',
  );
  const add = (org: string, delta: number) =>
    `INSERT INTO mcp_server_counts (organization_id, live) VALUES (${org}, ${delta}) ON CONFLICT (organization_id) DO UPDATE SET live = mcp_server_counts.live + ${delta}`;
  if (isPostgres(knex)) {
    await knex.raw(`
      CREATE FUNCTION mcp_gateway_count_servers() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN ${add('OLD.organization_id', -1)}; END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted_at IS NULL THEN ${add('NEW.organization_id', 1)}; END IF;
        RETURN NULL;
      END $$`);
    await knex.raw('CREATE TRIGGER mcp_servers_count_insert AFTER INSERT OR DELETE ON mcp_servers FOR EACH ROW EXECUTE FUNCTION mcp_gateway_count_servers()');
    await knex.raw(
      'CREATE TRIGGER mcp_servers_count_update AFTER UPDATE OF deleted_at, organization_id ON mcp_servers FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.organization_id IS DISTINCT FROM NEW.organization_id) EXECUTE FUNCTION mcp_gateway_count_servers()',
    );
    return;
  }
  await knex.raw(`CREATE TRIGGER mcp_servers_count_insert AFTER INSERT ON mcp_servers WHEN new.deleted_at IS NULL BEGIN ${add('new.organization_id', 1)}; END`);
  await knex.raw(
    `CREATE TRIGGER mcp_servers_count_delete AFTER DELETE ON mcp_servers WHEN old.deleted_at IS NULL BEGIN ${add('old.organization_id', -1)}; END`,
  );
  await knex.raw(`CREATE TRIGGER mcp_servers_count_leave AFTER UPDATE OF deleted_at, organization_id ON mcp_servers
      WHEN old.deleted_at IS NULL AND (new.deleted_at IS NOT NULL OR old.organization_id IS NOT new.organization_id) BEGIN ${add('old.organization_id', -1)}; END`);
  await knex.raw(`CREATE TRIGGER mcp_servers_count_enter AFTER UPDATE OF deleted_at, organization_id ON mcp_servers
      WHEN new.deleted_at IS NULL AND (old.deleted_at IS NOT NULL OR old.organization_id IS NOT new.organization_id) BEGIN ${add('new.organization_id', 1)}; END`);
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw('DROP TRIGGER mcp_servers_count_insert ON mcp_servers');
    await knex.raw('DROP TRIGGER mcp_servers_count_update ON mcp_servers');
    await knex.raw('DROP FUNCTION mcp_gateway_count_servers()');
  } else {
    for (const trigger of ['insert', 'delete', 'leave', 'enter']) await knex.raw(`DROP TRIGGER mcp_servers_count_${trigger}`);
  }
  await knex.schema.dropTable('mcp_server_counts');
}
