import type { Knex } from 'knex';
import * as initialSchema from './001_initial_schema';
import * as rateLimitCounters from './002_rate_limit_counters';
import * as keyUsersAndSecretOwners from './003_key_users_and_secret_owners';
import * as agentSessions from './004_agent_sessions';
import * as approvalsAndAudit from './005_approvals_and_audit';
import * as oauthGrants from './006_oauth_grants';
import * as keyChangeClock from './007_key_change_clock';
import * as searchIndex from './008_search_index';
import * as liveServerCounts from './009_live_server_counts';
import * as unloggedRateLimitCounters from './010_unlogged_rate_limit_counters';
import * as consoleSessions from './011_console_sessions';
import * as healthLeases from './012_health_leases';
import * as registryTokens from './013_registry_tokens';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, in order. Names are permanent: renaming one breaks upgrades. */
const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['001_initial_schema', initialSchema],
  ['002_rate_limit_counters', rateLimitCounters],
  ['003_key_users_and_secret_owners', keyUsersAndSecretOwners],
  ['004_agent_sessions', agentSessions],
  ['005_approvals_and_audit', approvalsAndAudit],
  ['006_oauth_grants', oauthGrants],
  ['007_key_change_clock', keyChangeClock],
  ['008_search_index', searchIndex],
  ['009_live_server_counts', liveServerCounts],
  ['010_unlogged_rate_limit_counters', unloggedRateLimitCounters],
  ['011_console_sessions', consoleSessions],
  ['012_health_leases', healthLeases],
  ['013_registry_tokens', registryTokens],
];

/**
 * An explicit list instead of a directory scan: the same migrations load from TypeScript
 * sources under jest and from compiled JavaScript in dist/, whatever the file extension.
 */
export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATIONS.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = MIGRATIONS.find(([candidate]) => candidate === name);
    if (!found) throw new Error(`Unknown migration ${name}`);
    return found[1];
  },
};
