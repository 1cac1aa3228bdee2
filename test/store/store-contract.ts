import { newServerId } from '../../core/ids';
import type { StoredApiKey } from '../../core/model/api-key';
import type { StoredSecret } from '../../core/model/secret';
import type { ConnectionState, McpServer } from '../../core/model/server';
import type { OAuthGrant } from '../../core/model/oauth';
import type { Store } from '../../core/ports';

/**
 * What every implementation of the Store port must do, as the services rely on it. The knex
 * store (SQLite and PostgreSQL) and the in-memory store both run it, so a use-case test over the
 * memory store says something about the app: where the two would differ, one of them fails here.
 * Every expectation is a fixed value, never one implementation's answer compared to another's.
 */
export interface StoreUnderTest {
  store: Store;
  close(): Promise<void>;
}

let sequence = 0;
/** Fresh per test, so tests share one database without seeing each other's rows. */
const unique = (prefix: string) => `${prefix}_${process.pid.toString(36)}${Date.now().toString(36)}${(sequence++).toString(36)}`;

const T0 = 1_760_000_000_000;

export function aServer(overrides: Partial<McpServer> = {}): McpServer {
  return {
    id: newServerId(),
    organizationId: 'org_contract',
    ownerId: 'usr_owner',
    type: 'custom',
    name: unique('Server'),
    description: '',
    url: 'https://mcp.example.com/mcp',
    transport: 'streamable_http',
    auth: { type: 'none' },
    requestHeaders: {},
    headerWriters: {},
    toolPolicy: { enabled: true, allowedTools: null, approvalPolicy: 'auto_approve_all' },
    toolApprovals: [],
    isActive: true,
    connection: untested(),
    createdAt: T0,
    updatedAt: T0,
    deletedAt: null,
    ...overrides,
  };
}

const untested = (): ConnectionState => ({ status: 'untested', lastTestedAt: null, lastConnectedAt: null, errorMessage: null, tools: null });

const connected = (at: number): ConnectionState => ({
  status: 'connected',
  lastTestedAt: at,
  lastConnectedAt: at,
  errorMessage: null,
  tools: [{ name: 'search', description: null, inputSchema: { type: 'object', properties: { q: { type: 'string', enum: ['a', 'b'] } } } }],
});

function aSecret(organizationId: string, overrides: Partial<StoredSecret> = {}): StoredSecret {
  return {
    id: unique('secret'),
    organizationId,
    name: 'token',
    ciphertext: 'v1.iv.tag.body',
    managedBy: null,
    ownerId: 'usr_owner',
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function aKey(overrides: Partial<StoredApiKey> = {}): StoredApiKey {
  return {
    id: unique('key'),
    kind: 'contract',
    keyHash: unique('hash'),
    secretHash: null,
    keyPrefix: 'ak_contrac',
    userId: 'usr_owner',
    organizationIds: ['org_a', 'org_b'],
    role: 'member',
    createdAt: T0,
    revokedAt: null,
    ...overrides,
  };
}

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);

// Raw refusals (a duplicate primary key) are the engine's own errors, which need not be instances
// of the test's Error (better-sqlite3's are not, in a jest worker): `rejects.toBeTruthy()` checks them.

export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  let subject: StoreUnderTest;
  let store: Store;
  let org: string;
  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });
  afterAll(() => subject.close());
  beforeEach(() => (org = unique('org')));

  describe(`${name}: servers`, () => {
    it.each<[string, McpServer['auth']]>([
      ['no auth', { type: 'none' }],
      ['a bearer secret', { type: 'bearer', secretId: 'secret_bearer' }],
      ['an API key header', { type: 'api_key', headerName: 'X-Key', secretId: 'secret_key' }],
      [
        'client credentials',
        { type: 'oauth', grant: 'client_credentials', clientId: 'cid', tokenUrl: 'https://auth.example.com/t', scope: null, secretId: 's' },
      ],
      ['an access token', { type: 'oauth', grant: 'access_token', secretId: 'secret_at' }],
    ])('gives back a server with %s exactly as inserted', async (_label, auth) => {
      const server = aServer({
        organizationId: org,
        ownerId: null,
        type: 'personal_connector',
        description: 'Ünïcode ☃ and "quotes"',
        transport: 'sse',
        auth,
        requestHeaders: { 'X-Trace': 'v1.a.b.c' },
        headerWriters: { 'x-trace': 'usr_writer', 'x-old': null },
        toolPolicy: { enabled: false, allowedTools: ['search', 'fetch'], approvalPolicy: 'require_approval_per_tool' },
        toolApprovals: [{ toolName: 'search', toolHash: 'a'.repeat(64), state: 'requires_approval' }],
        isActive: false,
        connection: { ...connected(T0 + 5), status: 'failed', errorMessage: 'timeout: no answer' },
        createdAt: T0 + 1,
        updatedAt: T0 + 2,
      });
      await store.servers.insert(server);
      expect(await store.servers.findById(server.id)).toEqual(server);
      expect(await store.transaction((tx) => tx.servers.findById(server.id, { forUpdate: true }))).toEqual(server);
    });

    it('keeps its own copy: changing what was inserted or what was read changes nothing stored', async () => {
      const server = aServer({ organizationId: org, requestHeaders: { A: 'x' }, connection: connected(T0) });
      const expected = structuredClone(server);
      await store.servers.insert(server);
      server.name = 'changed';
      server.requestHeaders.A = 'changed';
      const read = (await store.servers.findById(server.id))!;
      read.toolPolicy.enabled = false;
      read.connection.tools![0]!.name = 'changed';
      (read.auth as { type: string }).type = 'bearer';
      const [listed] = (await store.servers.list({ organizationId: org })).items;
      listed!.requestHeaders.A = 'changed';
      expect(await store.servers.findById(server.id)).toEqual(expected);
    });

    it('refuses, with NameConflict, a second live server whose name folds to the same key in the organization', async () => {
      await store.servers.insert(aServer({ organizationId: org, name: 'GitHub' }));
      for (const name of ['GitHub', ' github ', 'ＧｉｔＨｕｂ', 'GITHUB\t']) {
        await expect(store.servers.insert(aServer({ organizationId: org, name }))).rejects.toMatchObject({ code: 'NAME_CONFLICT' });
      }
      await store.servers.insert(aServer({ organizationId: unique('org'), name: 'GitHub' }));
      await store.servers.insert(aServer({ organizationId: org, name: 'GitHub 2' }));
      expect((await store.servers.list({ organizationId: org })).total).toBe(2);
    });

    it('frees the name of a soft-deleted server, and refuses restoring it while the name is taken again', async () => {
      const first = aServer({ organizationId: org, name: 'Reused' });
      await store.servers.insert(first);
      await store.servers.update({ ...first, deletedAt: T0 + 10 });
      const second = aServer({ organizationId: org, name: 'reused' });
      await store.servers.insert(second);
      await expect(store.servers.update({ ...first, deletedAt: null })).rejects.toMatchObject({ code: 'NAME_CONFLICT' });
      expect(await store.servers.findById(first.id)).toBeNull();
      expect(ids((await store.servers.list({ organizationId: org })).items)).toEqual([second.id]);
    });

    it('refuses, with NameConflict, renaming onto another live name, and lets a server keep or re-case its own', async () => {
      const a = aServer({ organizationId: org, name: 'Alpha' });
      const b = aServer({ organizationId: org, name: 'Beta' });
      await store.servers.insert(a);
      await store.servers.insert(b);
      await expect(store.servers.update({ ...b, name: 'ALPHA' })).rejects.toMatchObject({ code: 'NAME_CONFLICT' });
      await store.servers.update({ ...a, name: 'ALPHA ', updatedAt: T0 + 1 });
      expect((await store.servers.findById(a.id))!.name).toBe('ALPHA ');
      expect((await store.servers.findById(b.id))!.name).toBe('Beta');
    });

    it('refuses a second row with the same id, keeping the first', async () => {
      const server = aServer({ organizationId: org });
      await store.servers.insert(server);
      await expect(store.servers.insert({ ...server, name: unique('Other') })).rejects.toBeTruthy();
      expect(await store.servers.findById(server.id)).toEqual(server);
    });

    it('update writes every field as given but the creation time, and ignores an unknown id', async () => {
      const server = aServer({ organizationId: org });
      await store.servers.insert(server);
      const next = aServer({
        id: server.id,
        organizationId: org,
        name: 'Renamed',
        url: 'https://other.example.com/',
        auth: { type: 'bearer', secretId: 'secret_x' },
        connection: connected(T0 + 3),
        createdAt: T0 + 99,
        updatedAt: T0 + 100,
      });
      await store.servers.update(next);
      expect(await store.servers.findById(server.id)).toEqual({ ...next, createdAt: T0 });
      await store.servers.update(aServer({ organizationId: org }));
      expect((await store.servers.list({ organizationId: org })).total).toBe(1);
    });

    it('hides a soft-deleted server from every read', async () => {
      const server = aServer({ organizationId: org, url: 'https://gone.example.com/', auth: { type: 'bearer', secretId: 'secret_gone' } });
      await store.servers.insert(server);
      await store.servers.update({ ...server, deletedAt: T0 + 1 });
      expect(await store.servers.findById(server.id)).toBeNull();
      expect(await store.transaction((tx) => tx.servers.findById(server.id, { forUpdate: true }))).toBeNull();
      expect(await store.servers.list({ organizationId: org })).toEqual({ items: [], total: 0 });
      expect(await store.servers.countWithUrl(org, server.url)).toBe(0);
      expect(await store.servers.findUsingSecrets(org, ['secret_gone'])).toEqual([]);
    });

    it('updateConnection changes only the connection, so it never undoes an edit made since the read', async () => {
      const server = aServer({ organizationId: org });
      await store.servers.insert(server);
      const edited = { ...server, name: unique('Edited'), updatedAt: T0 + 6 };
      await store.servers.update(edited);
      await store.servers.updateConnection(server.id, connected(T0 + 7));
      expect(await store.servers.findById(server.id)).toEqual({ ...edited, connection: connected(T0 + 7) });
      await store.servers.updateConnection(unique('mcp'), connected(T0 + 8));
    });

    it('findUsingSecrets names the live servers of the organization that use the given secrets, in id order', async () => {
      const base = unique('mcp');
      const b = aServer({ id: `${base}_b`, organizationId: org, auth: { type: 'bearer', secretId: 'secret_one' } });
      const a = aServer({ id: `${base}_a`, organizationId: org, auth: { type: 'api_key', headerName: 'X-K', secretId: 'secret_two' } });
      const c = aServer({ id: `${base}_c`, organizationId: org, auth: { type: 'oauth', grant: 'access_token', secretId: 'secret_one' } });
      const elsewhere = aServer({ organizationId: unique('org'), auth: { type: 'bearer', secretId: 'secret_one' } });
      for (const s of [b, a, c, elsewhere]) await store.servers.insert(s);
      expect(await store.servers.findUsingSecrets(org, ['secret_one', 'secret_two', 'secret_none'])).toEqual([
        { secretId: 'secret_two', id: a.id, name: a.name },
        { secretId: 'secret_one', id: b.id, name: b.name },
        { secretId: 'secret_one', id: c.id, name: c.name },
      ]);
      expect(await store.servers.findUsingSecrets(org, [])).toEqual([]);
    });

    it('countWithUrl counts live servers of the organization with exactly that URL', async () => {
      const url = 'https://count.example.com/mcp';
      await store.servers.insert(aServer({ organizationId: org, url }));
      await store.servers.insert(aServer({ organizationId: org, url }));
      await store.servers.insert(aServer({ organizationId: org, url: `${url}/` }));
      await store.servers.insert(aServer({ organizationId: org, url: 'https://COUNT.example.com/mcp' }));
      await store.servers.insert(aServer({ organizationId: unique('org'), url }));
      expect(await store.servers.countWithUrl(org, url)).toBe(2);
    });

    it('lists by type, active flag and a folded search over name, description and URL', async () => {
      const github = aServer({ organizationId: org, name: 'GitHub Tools', type: 'streamline' });
      const weather = aServer({ organizationId: org, name: 'Weather', description: 'Forecasts from the ＭＥＴ office', isActive: false });
      const maps = aServer({ organizationId: org, name: 'Maps', url: 'https://Maps.Example.com/mcp' });
      for (const s of [github, weather, maps]) await store.servers.insert(s);
      const listed = async (q: Partial<Parameters<Store['servers']['list']>[0]>) => ids((await store.servers.list({ organizationId: org, ...q })).items);
      expect(await listed({})).toEqual([github.id, weather.id, maps.id]);
      expect(await listed({ type: 'streamline' })).toEqual([github.id]);
      expect(await listed({ isActive: false })).toEqual([weather.id]);
      expect(await listed({ isActive: true, type: 'custom' })).toEqual([maps.id]);
      expect(await listed({ search: 'GITHUB' })).toEqual([github.id]);
      expect(await listed({ search: 'met OFFICE' })).toEqual([weather.id]);
      expect(await listed({ search: 'maps.example' })).toEqual([maps.id]);
      expect(await listed({ search: 'example.com' })).toEqual([github.id, weather.id, maps.id]);
      expect(await listed({ search: '' })).toEqual([github.id, weather.id, maps.id]);
      expect(await listed({ search: 'nowhere' })).toEqual([]);
    });

    it('reads % _ and \\ in a search as themselves, not as wildcards', async () => {
      const percent = aServer({ organizationId: org, name: '100% uptime' });
      const underscore = aServer({ organizationId: org, name: 'snake_case' });
      const backslash = aServer({ organizationId: org, name: 'C:\\tools' });
      const plain = aServer({ organizationId: org, name: 'snakeXcase 1000 uptime' });
      for (const s of [percent, underscore, backslash, plain]) await store.servers.insert(s);
      const found = async (search: string) => ids((await store.servers.list({ organizationId: org, search })).items);
      expect(await found('%')).toEqual([percent.id]);
      expect(await found('0% u')).toEqual([percent.id]);
      expect(await found('e_c')).toEqual([underscore.id]);
      expect(await found('\\t')).toEqual([backslash.id]);
    });

    it('sorts names by the code points of their folded form, the id breaking ties, in both directions', async () => {
      const base = unique('mcp');
      // U+FFFD sorts before U+1F600 by code point, after it by UTF-16 unit.
      const names: Array<[string, string]> = [
        ['e', '\u{1F600} smile'],
        ['d', '\uFFFD replacement'],
        ['c', 'beta'],
        ['b', 'Alpha'],
        ['a', 'zulu'],
      ];
      for (const [suffix, name] of names) await store.servers.insert(aServer({ id: `${base}_${suffix}`, organizationId: org, name }));
      // Two live names never share a key, so the id's tie-break shows on dates (next test).
      const sorted = async (order: 'asc' | 'desc') => ids((await store.servers.list({ organizationId: org, sort: 'name', order })).items);
      expect(await sorted('asc')).toEqual([`${base}_b`, `${base}_c`, `${base}_a`, `${base}_d`, `${base}_e`]);
      expect(await sorted('desc')).toEqual([`${base}_e`, `${base}_d`, `${base}_a`, `${base}_c`, `${base}_b`]);
    });

    it('sorts by creation or update time with the id breaking ties, and pages with limit and offset; total counts every match', async () => {
      const base = unique('mcp');
      const rows: Array<[string, number, number]> = [
        ['c', T0 + 1, T0 + 9],
        ['a', T0 + 1, T0 + 5],
        ['d', T0, T0 + 5],
        ['b', T0 + 2, T0 + 1],
      ];
      for (const [suffix, createdAt, updatedAt] of rows)
        await store.servers.insert(aServer({ id: `${base}_${suffix}`, organizationId: org, createdAt, updatedAt }));
      const page = async (q: Partial<Parameters<Store['servers']['list']>[0]>) => {
        const { items, total } = await store.servers.list({ organizationId: org, ...q });
        return { ids: items.map((i) => i.id.slice(-1)).join(''), total };
      };
      expect(await page({})).toEqual({ ids: 'dacb', total: 4 });
      expect(await page({ sort: 'created_at', order: 'desc' })).toEqual({ ids: 'bcad', total: 4 });
      expect(await page({ sort: 'updated_at' })).toEqual({ ids: 'badc', total: 4 });
      expect(await page({ sort: 'updated_at', order: 'desc' })).toEqual({ ids: 'cdab', total: 4 });
      expect(await page({ limit: 2 })).toEqual({ ids: 'da', total: 4 });
      expect(await page({ limit: 2, offset: 2 })).toEqual({ ids: 'cb', total: 4 });
      expect(await page({ offset: 3 })).toEqual({ ids: 'b', total: 4 });
      expect(await page({ offset: 0, limit: 10 })).toEqual({ ids: 'dacb', total: 4 });
      expect(await page({ offset: 9 })).toEqual({ ids: '', total: 4 });
      expect(await page({ sort: 'updated_at', order: 'desc', limit: 1, offset: 1 })).toEqual({ ids: 'd', total: 4 });
    });

    it('finds nothing, rather than failing, for text holding NUL', async () => {
      const server = aServer({ organizationId: org });
      await store.servers.insert(server);
      expect(await store.servers.findById(`${server.id}\u0000`)).toBeNull();
      expect(await store.servers.list({ organizationId: org, search: '\u0000' })).toEqual({ items: [], total: 0 });
      expect(await store.servers.list({ organizationId: `${org}\u0000` })).toEqual({ items: [], total: 0 });
      expect(await store.servers.countWithUrl(org, `${server.url}\u0000`)).toBe(0);
      expect(await store.servers.findUsingSecrets(org, ['\u0000'])).toEqual([]);
    });
  });

  describe(`${name}: secrets`, () => {
    it('gives back a secret as inserted, as its own copy', async () => {
      const secret = aSecret(org, { managedBy: 'mcp_owner', ownerId: null, createdAt: T0 + 1, updatedAt: T0 + 2 });
      const expected = { ...secret };
      await store.secrets.insert(secret);
      secret.ciphertext = 'changed';
      const read = (await store.secrets.findById(org, secret.id))!;
      read.name = 'changed';
      (await store.secrets.listByOrganization(org))[0]!.ciphertext = 'changed';
      expect(await store.secrets.findById(org, secret.id)).toEqual(expected);
      expect(await store.secrets.findById(unique('org'), secret.id)).toBeNull();
    });

    it('refuses, with SecretIdTaken, an id the organization already has, and allows it in another organization', async () => {
      const secret = aSecret(org);
      await store.secrets.insert(secret);
      await expect(store.secrets.insert({ ...secret, ciphertext: 'other' })).rejects.toMatchObject({ code: 'SECRET_ID_TAKEN' });
      expect((await store.secrets.findById(org, secret.id))!.ciphertext).toBe(secret.ciphertext);
      const elsewhere = unique('org');
      await store.secrets.insert({ ...secret, organizationId: elsewhere });
      expect((await store.secrets.findById(elsewhere, secret.id))!.organizationId).toBe(elsewhere);
    });

    it("lists one organization's secrets by creation time, then id", async () => {
      const base = unique('secret');
      const later = aSecret(org, { id: `${base}_a`, createdAt: T0 + 1 });
      const tieB = aSecret(org, { id: `${base}_c`, createdAt: T0 });
      const tieA = aSecret(org, { id: `${base}_b`, createdAt: T0 });
      for (const s of [later, tieB, tieA]) await store.secrets.insert(s);
      await store.secrets.insert(aSecret(unique('org')));
      expect(ids(await store.secrets.listByOrganization(org))).toEqual([tieA.id, tieB.id, later.id]);
    });

    it('update writes every field but the creation time; delete removes only that organization’s row', async () => {
      const secret = aSecret(org, { managedBy: 'mcp_a' });
      await store.secrets.insert(secret);
      const twin = { ...secret, organizationId: unique('org') };
      await store.secrets.insert(twin);
      const next = { ...secret, name: 'renamed', ciphertext: 'v1.new', managedBy: null, ownerId: 'usr_admin', createdAt: T0 + 50, updatedAt: T0 + 60 };
      await store.secrets.update(next);
      expect(await store.secrets.findById(org, secret.id)).toEqual({ ...next, createdAt: T0 });
      expect(await store.secrets.findById(twin.organizationId, twin.id)).toEqual(twin);
      await store.secrets.delete(org, secret.id);
      expect(await store.secrets.findById(org, secret.id)).toBeNull();
      expect(await store.secrets.findById(twin.organizationId, twin.id)).toEqual(twin);
      await store.secrets.update(next);
      expect(await store.secrets.findById(org, secret.id)).toBeNull();
    });

    it('finds nothing, rather than failing, for text holding NUL', async () => {
      const secret = aSecret(org);
      await store.secrets.insert(secret);
      expect(await store.secrets.findById(org, `${secret.id}\u0000`)).toBeNull();
      expect(await store.secrets.findById(`${org}\u0000`, secret.id)).toBeNull();
    });
  });

  describe(`${name}: API keys`, () => {
    it('finds a key by its hash, revoked or not, as its own copy', async () => {
      const key = aKey({ secretHash: unique('secret_hash'), role: 'admin' });
      const expected = structuredClone(key);
      await store.apiKeys.insert(key);
      key.organizationIds.push('org_c');
      const read = (await store.apiKeys.findByKeyHash(key.keyHash))!;
      read.organizationIds.push('org_d');
      (await store.apiKeys.list()).find((k) => k.id === key.id)!.organizationIds.push('org_e');
      expect(await store.apiKeys.findByKeyHash(key.keyHash)).toEqual(expected);
      expect(await store.apiKeys.findByKeyHash(unique('hash'))).toBeNull();
      await store.apiKeys.revoke(key.id, T0 + 3);
      expect(await store.apiKeys.findByKeyHash(key.keyHash)).toEqual({ ...expected, revokedAt: T0 + 3 });
    });

    it('refuses a second key with the same hash', async () => {
      const key = aKey();
      await store.apiKeys.insert(key);
      const before = await store.apiKeys.count();
      await expect(store.apiKeys.insert(aKey({ keyHash: key.keyHash }))).rejects.toBeTruthy();
      expect(await store.apiKeys.count()).toBe(before);
    });

    it('lists every key by creation time and counts them, revoked ones included', async () => {
      const before = await store.apiKeys.count();
      const newest = aKey({ createdAt: T0 + 1_000_002 });
      const oldest = aKey({ createdAt: T0 + 1_000_000, revokedAt: T0 + 1_000_001 });
      await store.apiKeys.insert(newest);
      await store.apiKeys.insert(oldest);
      expect(await store.apiKeys.count()).toBe(before + 2);
      const listed = ids(await store.apiKeys.list());
      expect(listed.filter((id) => id === oldest.id || id === newest.id)).toEqual([oldest.id, newest.id]);
      expect(listed.indexOf(newest.id)).toBe(listed.length - 1);
    });

    it('revoke marks a key once and reports whether it exists', async () => {
      const key = aKey();
      await store.apiKeys.insert(key);
      expect(await store.apiKeys.revoke(key.id, T0 + 1)).toBe(true);
      expect(await store.apiKeys.revoke(key.id, T0 + 2)).toBe(true);
      expect((await store.apiKeys.findByKeyHash(key.keyHash))!.revokedAt).toBe(T0 + 1);
      expect(await store.apiKeys.revoke(unique('key'), T0)).toBe(false);
      expect(await store.apiKeys.revoke('key\u0000', T0)).toBe(false);
    });
  });

  describe(`${name}: transactions`, () => {
    it('commits the writes of every repository together and returns what the work returns', async () => {
      const server = aServer({ organizationId: org });
      const secret = aSecret(org);
      const key = aKey();
      const result = await store.transaction(async (tx) => {
        await tx.secrets.insert(secret);
        await tx.servers.insert(server);
        await tx.servers.updateConnection(server.id, connected(T0 + 1));
        await tx.apiKeys.insert(key);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await store.servers.findById(server.id)).toEqual({ ...server, connection: connected(T0 + 1) });
      expect(await store.secrets.findById(org, secret.id)).toEqual(secret);
      expect(await store.apiKeys.findByKeyHash(key.keyHash)).toEqual(key);
    });

    it('lands no write when the work throws, and rethrows its error', async () => {
      const existing = aServer({ organizationId: org });
      const existingSecret = aSecret(org);
      await store.servers.insert(existing);
      await store.secrets.insert(existingSecret);
      const keysBefore = await store.apiKeys.count();
      const failure = new Error('work failed');
      const added = aServer({ organizationId: org });
      await expect(
        store.transaction(async (tx) => {
          await tx.servers.insert(added);
          await tx.servers.update({ ...existing, name: 'Changed', deletedAt: T0 + 1 });
          await tx.servers.updateConnection(existing.id, connected(T0 + 2));
          await tx.secrets.update({ ...existingSecret, ciphertext: 'changed' });
          await tx.secrets.insert(aSecret(org));
          await tx.apiKeys.insert(aKey());
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.servers.list({ organizationId: org })).toEqual({ items: [existing], total: 1 });
      expect(await store.secrets.listByOrganization(org)).toEqual([existingSecret]);
      expect(await store.apiKeys.count()).toBe(keysBefore);
    });

    it('lands none of the earlier writes when the store refuses a later one', async () => {
      await store.servers.insert(aServer({ organizationId: org, name: 'Taken' }));
      const secret = aSecret(org);
      await expect(
        store.transaction(async (tx) => {
          await tx.secrets.insert(secret);
          await tx.servers.insert(aServer({ organizationId: org, name: 'taken' }));
        }),
      ).rejects.toMatchObject({ code: 'NAME_CONFLICT' });
      expect(await store.secrets.findById(org, secret.id)).toBeNull();
    });

    it('shows its writes inside at once, and outside only once committed', async () => {
      const server = aServer({ organizationId: org });
      await store.transaction(async (tx) => {
        await tx.servers.insert(server);
        expect(await tx.servers.findById(server.id)).toEqual(server);
        expect((await tx.servers.list({ organizationId: org })).total).toBe(1);
        expect(await store.servers.findById(server.id)).toBeNull();
        expect((await store.servers.list({ organizationId: org })).total).toBe(0);
      });
      expect(await store.servers.findById(server.id)).toEqual(server);
    });

    it("joins a transaction opened from a transaction's store, so the outer failure undoes it", async () => {
      const server = aServer({ organizationId: org });
      await expect(
        store.transaction(async (tx) => {
          await tx.transaction((inner) => inner.servers.insert(server));
          throw new Error('outer failed');
        }),
      ).rejects.toThrow('outer failed');
      expect(await store.servers.findById(server.id)).toBeNull();
    });

    it('loses neither of two concurrent read-then-write transactions on one locked server', async () => {
      const server = aServer({ organizationId: org, description: '' });
      await store.servers.insert(server);
      const append = (text: string) =>
        store.transaction(async (tx) => {
          const current = (await tx.servers.findById(server.id, { forUpdate: true }))!;
          await new Promise((resolve) => setTimeout(resolve, 20));
          await tx.servers.update({ ...current, description: current.description + text });
        });
      await Promise.all([append('a'), append('b'), append('c')]);
      expect([...(await store.servers.findById(server.id))!.description].sort().join('')).toBe('abc');
    });

    it('refuses use of a transaction’s store once the transaction has ended', async () => {
      let leaked: Store | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.servers.insert(aServer({ organizationId: org }))).rejects.toBeTruthy();
      expect((await store.servers.list({ organizationId: org })).total).toBe(0);
    });
  });

  describe(`${name}: OAuth registrations, flows and grants`, () => {
    const facts = {
      issuer: 'https://as.example.com',
      authorizationEndpoint: 'https://as.example.com/authorize',
      tokenEndpoint: 'https://as.example.com/token',
      revocationEndpoint: null,
      issParameterSupported: true,
      tokenEndpointAuthMethods: ['none'],
      registrationEndpoint: 'https://as.example.com/register',
      clientIdMetadataDocumentSupported: false,
    };
    const aGrant = (serverId: string, overrides: Partial<OAuthGrant> = {}): OAuthGrant => ({
      id: unique('oag'),
      organizationId: org,
      serverId,
      subject: { kind: 'organization' },
      client: { source: 'dynamic_registration', clientId: 'client-1', registrationId: 'oac_1' },
      server: facts,
      resource: 'https://mcp.example.com/mcp',
      scope: 'mcp:read',
      accessTokenCiphertext: 'ciphertext-a',
      refreshTokenCiphertext: 'ciphertext-r',
      accessExpiresAt: T0 + 3_600_000,
      accessIssuedAt: T0,
      status: 'active',
      statusReason: null,
      neededScope: null,
      version: 0,
      refreshingUntil: null,
      connectedAt: T0,
      connectedByUserId: 'usr_owner',
      updatedAt: T0,
      ...overrides,
    });

    it('keeps one registration per organization, issuer and redirect URI: a second insert says false and the first stays', async () => {
      const registration = {
        id: unique('oac'),
        organizationId: org,
        issuer: facts.issuer,
        redirectUri: 'https://gw/cb',
        clientId: 'c1',
        clientSecretCiphertext: null,
        tokenEndpointAuthMethod: 'none',
        createdAt: T0,
      };
      expect(await store.oauth.insertRegistration(registration)).toBe(true);
      expect(await store.oauth.insertRegistration({ ...registration, id: unique('oac'), clientId: 'c2' })).toBe(false);
      expect(await store.oauth.findRegistration(org, facts.issuer, 'https://gw/cb')).toEqual(registration);
      expect(await store.oauth.findRegistrationById(registration.id)).toEqual(registration);
      expect(await store.oauth.findRegistration(org, 'https://other.example.com', 'https://gw/cb')).toBeNull();
    });

    it('hands a consent flow out once: the second taker of the same state gets nothing', async () => {
      const flow = {
        stateHash: unique('state').padEnd(64, '0').slice(0, 64),
        organizationId: org,
        serverId: 'mcp_x',
        subject: { kind: 'user' as const, userId: 'usr_a' },
        startedByKeyId: 'key_1',
        startedByUserId: 'usr_a',
        client: { source: 'metadata_document' as const, clientId: 'https://gw/cimd', registrationId: null },
        server: facts,
        codeVerifierCiphertext: 'verifier',
        resource: 'https://mcp.example.com/mcp',
        scope: null,
        redirectUri: 'https://gw/cb',
        createdAt: T0,
        expiresAt: T0 + 600_000,
      };
      await store.oauth.insertFlow(flow);
      const taken = await Promise.all([store.oauth.takeFlow(flow.stateHash), store.oauth.takeFlow(flow.stateHash)]);
      expect(taken.filter((t) => t !== null)).toEqual([flow]);
    });

    it('keeps the newest pending consents of a server and subject, and leaves others alone', async () => {
      const serverId = unique('mcp');
      const flowAt = (n: number, subject: { kind: 'organization' } | { kind: 'user'; userId: string } = { kind: 'organization' }) => ({
        stateHash: `${unique('s')}${n}`.padEnd(64, '0').slice(0, 64),
        organizationId: org,
        serverId,
        subject,
        startedByKeyId: null,
        startedByUserId: null,
        client: { source: 'metadata_document' as const, clientId: 'https://gw/cimd', registrationId: null },
        server: facts,
        codeVerifierCiphertext: 'verifier',
        resource: 'https://mcp.example.com/mcp',
        scope: null,
        redirectUri: 'https://gw/cb',
        createdAt: T0 + n,
        expiresAt: T0 + 600_000,
      });
      const flows = [1, 2, 3, 4, 5, 6].map((n) => flowAt(n));
      const users = flowAt(0, { kind: 'user', userId: 'usr_a' });
      for (const flow of [...flows, users]) await store.oauth.insertFlow(flow);
      await store.oauth.keepNewestFlows(serverId, { kind: 'organization' }, 5);
      expect(await store.oauth.findFlow(flows[0]!.stateHash)).toBeNull();
      for (const flow of flows.slice(1)) expect(await store.oauth.findFlow(flow.stateHash)).toEqual(flow);
      expect(await store.oauth.findFlow(users.stateHash)).toEqual(users);
    });

    it('lets one refresher hold a grant: a claim on a held or outdated version fails, and finishing bumps the version and frees it', async () => {
      const grant = aGrant(unique('mcp'));
      await store.oauth.saveGrant(grant);
      const claims = await Promise.all([store.oauth.claimRefresh(grant.id, 0, T0, T0 + 15_000), store.oauth.claimRefresh(grant.id, 0, T0, T0 + 15_000)]);
      expect(claims.sort()).toEqual([false, true]);
      // A lapsed lease may be taken over.
      expect(await store.oauth.claimRefresh(grant.id, 0, T0 + 15_001, T0 + 30_000)).toBe(true);
      expect(await store.oauth.finishRefresh(grant.id, 0, { accessTokenCiphertext: 'ciphertext-b', updatedAt: T0 + 1 })).toBe(true);
      expect(await store.oauth.finishRefresh(grant.id, 0, { accessTokenCiphertext: 'stale' })).toBe(false);
      expect(await store.oauth.findGrantById(grant.id)).toEqual({
        ...grant,
        accessTokenCiphertext: 'ciphertext-b',
        version: 1,
        refreshingUntil: null,
        updatedAt: T0 + 1,
      });
      expect(await store.oauth.claimRefresh(grant.id, 0, T0 + 2, T0 + 3)).toBe(false);
    });

    it('keeps one grant per server and subject: saving again replaces it; users and the organization are apart', async () => {
      const serverId = unique('mcp');
      const first = aGrant(serverId);
      const replacement = aGrant(serverId, { scope: 'mcp:read mcp:write' });
      const users = aGrant(serverId, { subject: { kind: 'user', userId: 'usr_b' } });
      await store.oauth.saveGrant(first);
      await store.oauth.saveGrant(replacement);
      await store.oauth.saveGrant(users);
      expect(await store.oauth.findGrant(serverId, { kind: 'organization' })).toEqual(replacement);
      expect(await store.oauth.findGrant(serverId, { kind: 'user', userId: 'usr_b' })).toEqual(users);
      expect(await store.oauth.findGrant(serverId, { kind: 'user', userId: 'usr_c' })).toBeNull();
      expect((await store.oauth.grantsOfServer(serverId)).map((g) => g.id)).toEqual([replacement.id, users.id]);
      await store.oauth.addNeededScope(users.id, 'mcp:write', (...scopes) => [...new Set(scopes.flatMap((x) => (x ? x.split(' ') : [])))].join(' '));
      expect((await store.oauth.findGrantById(users.id))?.neededScope).toBe('mcp:read mcp:write');
      await store.oauth.deleteGrant(users.id);
      expect(await store.oauth.findGrantById(users.id)).toBeNull();
    });
  });
}
