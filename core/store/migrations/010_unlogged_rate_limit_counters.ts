import type { Knex } from 'knex';
import { isPostgres } from '../sql-quirks';

/**
 * PostgreSQL: the shared rate-limit counters skip the write-ahead log. Every request of a key
 * increments that key's one counter row, and a logged update holds the row until its commit is
 * flushed to disk, so concurrent requests of one key queued behind each other's flushes (the
 * bench's get one at 32 connections). A crash loses at most one minute's counts, which a rate
 * limit can afford. SQLite counts in memory, so nothing changes there.
 */
export async function up(knex: Knex): Promise<void> {
  if (isPostgres(knex)) await knex.raw('ALTER TABLE rate_limit_counters SET UNLOGGED');
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) await knex.raw('ALTER TABLE rate_limit_counters SET LOGGED');
}
