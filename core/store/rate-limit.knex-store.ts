import type { Knex } from 'knex';
import { rowsOf, toMillis } from './sql-quirks';

/**
 * Fixed one-minute windows counted in the database, so every instance sharing it counts the
 * same requests. One upsert per request; old windows are swept now and then.
 */
export class KnexRateLimitCounter {
  private sweeps = 0;

  constructor(
    private readonly db: Knex,
    private readonly windowMs: number,
  ) {}

  async hit(key: string, now = Date.now()): Promise<{ hits: number; resetAt: number }> {
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    const result = await this.db.raw(
      `INSERT INTO rate_limit_counters (key, window_start, hits) VALUES (?, ?, 1)
       ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
       RETURNING hits`,
      [key, windowStart],
    );
    const rows = rowsOf<{ hits: unknown }>(result);
    if (++this.sweeps % 500 === 0)
      await this.db('rate_limit_counters')
        .where('window_start', '<', windowStart - this.windowMs)
        .delete();
    return { hits: toMillis(rows[0]?.hits ?? 1), resetAt: windowStart + this.windowMs };
  }

  async undo(key: string, now = Date.now()): Promise<void> {
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    await this.db('rate_limit_counters').where({ key, window_start: windowStart }).where('hits', '>', 0).decrement('hits', 1);
  }

  async reset(key: string): Promise<void> {
    await this.db('rate_limit_counters').where({ key }).delete();
  }
}
