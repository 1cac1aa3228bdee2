import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Every key has a user, and every secret an owner, so member rules mean the same in both
 * dialects and a member can be kept away from credentials it does not own.
 *
 * - Keys issued before this migration without a user (Zudu pairs) get a generated one. The
 *   servers such a key created keep no owner (nothing recorded which key made them), so only
 *   admins change them, as before.
 * - A server's inline credentials are owned by the server's owner; shared secrets written
 *   before this migration have no owner, so only admins see and manage them.
 * - Request-header values record who wrote them; for values written before, nobody knows, and
 *   the server's owner counts as their writer (`request_header_writers` stays null).
 */
export async function up(knex: Knex): Promise<void> {
  const keysWithoutUser = (await knex('api_keys').whereNull('user_id').select('id')) as Array<{ id: string }>;
  for (const { id } of keysWithoutUser) {
    await knex('api_keys')
      .where({ id })
      .update({ user_id: `usr_${randomUUID().replace(/-/g, '')}` });
  }

  await knex.schema.alterTable('secrets', (t) => {
    t.string('owner_id', 255).nullable();
  });
  await knex.schema.alterTable('mcp_servers', (t) => {
    t.text('request_header_writers').nullable();
  });
  const managed = (await knex('secrets as s')
    .join('mcp_servers as m', 'm.id', 's.managed_by')
    .whereNotNull('m.owner_id')
    .select('s.organization_id', 's.id', 'm.owner_id')) as Array<{ organization_id: string; id: string; owner_id: string }>;
  for (const row of managed) {
    await knex('secrets').where({ organization_id: row.organization_id, id: row.id }).update({ owner_id: row.owner_id });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mcp_servers', (t) => {
    t.dropColumn('request_header_writers');
  });
  await knex.schema.alterTable('secrets', (t) => {
    t.dropColumn('owner_id');
  });
}
