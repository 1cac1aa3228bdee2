import type { Knex } from 'knex';

/**
 * Background health checks: who checks which server this interval. A row is a lease: the
 * instance that moves `claimed_until` past now (one conditional upsert, decided by the database)
 * checks the server; the others skip it until the lease ends, so each server is checked once per
 * interval however many instances share the database.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('health_leases', (t) => {
    t.string('server_id', 64).primary();
    t.string('holder', 64).notNullable();
    t.bigInteger('claimed_until').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('health_leases');
}
