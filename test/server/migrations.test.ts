import pino from 'pino';
import { migrateToLatest, migrationsAreCurrent, openDatabase } from '../../core/store/database';
import { migrationSource } from '../../core/store/migrations';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => (db = await createTestDatabase()));
afterAll(() => db.drop());

describe('migrations', () => {
  it('bring an empty database to the latest version, and running them again changes nothing', async () => {
    const { knex, close } = openDatabase(db.target);
    try {
      expect(await migrationsAreCurrent(knex)).toBe(false);
      await migrateToLatest(knex);
      expect(await migrationsAreCurrent(knex)).toBe(true);
      await migrateToLatest(knex);
      for (const table of ['mcp_servers', 'secrets', 'api_keys', 'gateway_meta']) expect(await knex.schema.hasTable(table)).toBe(true);
    } finally {
      await close();
    }
  });

  it('give every key issued without a user one of its own, and inline credentials the owner of their server, when upgrading from 002', async () => {
    const legacy = await createTestDatabase();
    const { knex, close } = openDatabase(legacy.target);
    try {
      await knex.migrate.up({ migrationSource });
      await knex.migrate.up({ migrationSource });
      const base = {
        dialect: 'zudu',
        secret_hash: 'b'.repeat(64),
        key_prefix: 'sk_x',
        role: 'member',
        organization_ids: '["org_old"]',
        created_at: 1,
        revoked_at: null,
      };
      await knex('api_keys').insert([
        { ...base, id: 'key_a', key_hash: 'a'.repeat(64), user_id: null },
        { ...base, id: 'key_b', key_hash: 'c'.repeat(64), user_id: null },
        { ...base, id: 'key_c', key_hash: 'd'.repeat(64), user_id: 'usr_kept', dialect: 'aitronos', secret_hash: null },
      ]);
      const server = {
        organization_id: 'org_old',
        type: 'custom',
        description: '',
        url: 'https://a.example.com/mcp',
        search_text: 'x',
        transport: 'sse',
        auth_type: 'bearer',
        auth_config: '{}',
        request_headers: '{}',
        tools_enabled: true,
        allowed_tools: null,
        approval_policy: 'auto_approve_all',
        tool_approvals: '[]',
        is_active: true,
        connection_status: 'untested',
        created_at: 1,
        updated_at: 1,
        deleted_at: null,
      };
      await knex('mcp_servers').insert([
        { ...server, id: 'mcp_owned', owner_id: 'usr_alice', name: 'owned', name_key: 'owned', auth_secret_id: 'secret_inline' },
        { ...server, id: 'mcp_unowned', owner_id: null, name: 'unowned', name_key: 'unowned', auth_secret_id: 'secret_inline2' },
      ]);
      const secret = { organization_id: 'org_old', name: 's', ciphertext: 'x', created_at: 1, updated_at: 1 };
      await knex('secrets').insert([
        { ...secret, id: 'secret_inline', managed_by: 'mcp_owned' },
        { ...secret, id: 'secret_inline2', managed_by: 'mcp_unowned' },
        { ...secret, id: 'secret_shared', managed_by: null },
      ]);

      await migrateToLatest(knex);

      const keys = (await knex('api_keys').orderBy('id').select('id', 'user_id')) as Array<{ id: string; user_id: string }>;
      expect(keys[0]!.user_id).toMatch(/^usr_[0-9a-f]{32}$/);
      expect(keys[1]!.user_id).toMatch(/^usr_[0-9a-f]{32}$/);
      expect(keys[0]!.user_id).not.toBe(keys[1]!.user_id);
      expect(keys[2]!.user_id).toBe('usr_kept');
      const owners = Object.fromEntries(
        ((await knex('secrets').select('id', 'owner_id')) as Array<{ id: string; owner_id: string | null }>).map((r) => [r.id, r.owner_id]),
      );
      expect(owners).toEqual({ secret_inline: 'usr_alice', secret_inline2: null, secret_shared: null });
    } finally {
      await close();
      await legacy.drop();
    }
  });

  it('run safely from several connections at once', async () => {
    const other = await createTestDatabase();
    const handles = [openDatabase(other.target), openDatabase(other.target), openDatabase(other.target)];
    try {
      await Promise.all(handles.map((h) => migrateToLatest(h.knex)));
      expect(await migrationsAreCurrent(handles[0]!.knex)).toBe(true);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await other.drop();
    }
  });

  it('put SQLite in WAL mode', async () => {
    if (db.engine !== 'sqlite') return;
    const { knex, close } = openDatabase(db.target);
    try {
      const [row] = (await knex.raw('PRAGMA journal_mode')) as Array<{ journal_mode: string }>;
      expect(row!.journal_mode).toBe('wal');
    } finally {
      await close();
    }
  });
});

void pino;
