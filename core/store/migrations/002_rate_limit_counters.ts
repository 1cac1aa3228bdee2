import type { Knex } from 'knex';

/** Per-key request counters by minute, shared by every instance on one PostgreSQL database. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limit_counters', (t) => {
    t.string('key', 128).notNullable();
    t.bigInteger('window_start').notNullable();
    t.integer('hits').notNullable();
    t.primary(['key', 'window_start'], 'rate_limit_counters_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limit_counters');
}
