import type { Knex } from 'knex';
import type { HealthLeaseRepository } from '../ports';
import { rowsOf, toMillisOrNull } from './sql-quirks';

type Row = Record<string, unknown>;

/** Health-check leases and the servers due a check, in the database every instance shares. */
export class KnexHealthLeaseStore implements HealthLeaseRepository {
  constructor(private readonly db: Knex) {}

  async due(testedBefore: number, now: number, limit: number): Promise<Array<{ id: string; organizationId: string }>> {
    const rows = (await this.db('mcp_servers as s')
      .leftJoin('health_leases as l', 'l.server_id', 's.id')
      .whereNull('s.deleted_at')
      .where('s.is_active', true)
      .where((q) => q.whereNull('s.last_tested_at').orWhere('s.last_tested_at', '<=', testedBefore))
      .where((q) => q.whereNull('l.claimed_until').orWhere('l.claimed_until', '<=', now))
      // Connected per user: each user's own grant, which a check for nobody cannot use (see ConnectionTester.testInBackground).
      .whereNot((q) => q.where('s.auth_type', 'oauth').andWhere('s.auth_config', 'like', '%"perUser":true%'))
      .orderByRaw('s.last_tested_at IS NOT NULL, s.last_tested_at, s.id')
      .limit(limit)
      .select('s.id', 's.organization_id')) as Row[];
    return rows.map((r) => ({ id: String(r.id), organizationId: String(r.organization_id) }));
  }

  async claim(serverId: string, holder: string, until: number, now: number): Promise<boolean> {
    // One statement on both engines: the database decides between instances racing for a server.
    const result = await this.db.raw(
      `INSERT INTO health_leases (server_id, holder, claimed_until) VALUES (?, ?, ?)
       ON CONFLICT (server_id) DO UPDATE SET holder = excluded.holder, claimed_until = excluded.claimed_until
       WHERE health_leases.claimed_until <= ?
       RETURNING server_id`,
      [serverId, holder, until, now],
    );
    return rowsOf(result).length === 1;
  }

  async snapshot(): Promise<Array<{ id: string; organizationId: string; status: string; lastConnectedAt: number | null }>> {
    const rows = (await this.db('mcp_servers')
      .whereNull('deleted_at')
      .where('is_active', true)
      .select('id', 'organization_id', 'connection_status', 'last_connected_at')) as Row[];
    return rows.map((r) => ({
      id: String(r.id),
      organizationId: String(r.organization_id),
      status: String(r.connection_status),
      lastConnectedAt: toMillisOrNull(r.last_connected_at),
    }));
  }
}
