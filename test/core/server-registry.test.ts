import { REDACTED } from '../../core/model/input';
import { admin, bearer, member, newServer, ORG, sharedSecret, secretIdOf, useCaseWorld, type UseCaseWorld } from './use-case-world';

let world: UseCaseWorld;
beforeEach(() => (world = useCaseWorld()));

describe('ServerRegistry: creating servers', () => {
  it('stores a server owned by the caller, untested, with each header value encrypted and written by the caller', async () => {
    const created = await world.registry.create(member(), newServer({ requestHeaders: { 'X-Team': 'platform' } }));
    const stored = await world.store.servers.findById(created.id);
    expect(stored).toEqual(created);
    expect(stored).toMatchObject({ ownerId: 'usr_member', connection: { status: 'untested', tools: null }, headerWriters: { 'x-team': 'usr_member' } });
    expect(stored!.requestHeaders['X-Team']).not.toContain('platform');
  });

  it('keeps an inline bearer token as a secret the server manages and the caller owns, encrypted', async () => {
    const created = await world.registry.create(member(), newServer({ auth: bearer('tok-123') }));
    const secret = await world.store.secrets.findById(ORG, secretIdOf(created));
    expect(secret).toMatchObject({ managedBy: created.id, ownerId: 'usr_member' });
    expect(secret!.ciphertext).not.toContain('tok-123');
    expect(await world.secretValue(ORG, secret!.id)).toBe('tok-123');
  });

  it('refuses a name that differs only in case, width or outer spaces, and leaves no secret of the refused server behind', async () => {
    await world.registry.create(admin(), newServer({ name: 'GitHub' }));
    for (const name of ['github', ' GITHUB ', 'ＧｉｔＨｕｂ']) {
      await expect(world.registry.create(admin(), newServer({ name, auth: bearer('tok') }))).rejects.toMatchObject({ code: 'NAME_CONFLICT' });
    }
    expect(await world.store.secrets.listByOrganization(ORG)).toEqual([]);
    expect((await world.registry.list(admin(), { organizationId: ORG })).total).toBe(1);
  });

  it('allows the same name in another organization and again once the first server is deleted', async () => {
    const first = await world.registry.create(admin(), newServer({ name: 'Shared' }));
    await world.registry.create(admin('usr_b', ['org_b']), newServer({ organizationId: 'org_b', name: 'Shared' }));
    await world.registry.delete(admin(), first.id);
    await expect(world.registry.create(admin(), newServer({ name: 'shared' }))).resolves.toMatchObject({ name: 'shared' });
  });

  it('refuses an organization the key does not belong to, before storing anything', async () => {
    await expect(world.registry.create(member(), newServer({ organizationId: 'org_other' }))).rejects.toMatchObject({ code: 'ORGANIZATION_ACCESS_DENIED' });
    expect((await world.store.servers.list({ organizationId: 'org_other' })).total).toBe(0);
  });
});

describe('ServerRegistry: who may read and change a server', () => {
  it("answers NotFound for another tenant's server, exactly as for one that does not exist", async () => {
    const created = await world.registry.create(admin(), newServer());
    const outsider = admin('usr_x', ['org_b']);
    await expect(world.registry.get(outsider, created.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(world.registry.update(outsider, created.id, { name: 'Taken over' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await world.store.servers.findById(created.id))!.name).toBe('GitHub');
  });

  it("lets a member read but not change or delete another user's server; its creator and admins may", async () => {
    const created = await world.registry.create(member('usr_one'), newServer());
    const other = member('usr_two');
    await expect(world.registry.get(other, created.id)).resolves.toMatchObject({ id: created.id });
    await expect(world.registry.update(other, created.id, { name: 'Mine now' })).rejects.toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
    await expect(world.registry.delete(other, created.id)).rejects.toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
    await world.registry.update(member('usr_one'), created.id, { name: 'Renamed by creator' });
    await world.registry.update(admin(), created.id, { description: 'Described by an admin' });
    expect(await world.store.servers.findById(created.id)).toMatchObject({ name: 'Renamed by creator', description: 'Described by an admin' });
  });
});

describe('ServerRegistry: the connection state follows the configuration', () => {
  it.each([
    ['the URL', { url: 'https://other.example.com/mcp' }],
    ['the transport', { transport: 'sse' as const }],
    ['the request headers', { requestHeaders: { 'X-New': 'value' } }],
    ['the credentials', { auth: bearer('new-token') }],
  ])('returns to untested when %s changes', async (_what, patch) => {
    const created = await world.registry.create(admin(), newServer({ auth: bearer('old-token') }));
    await world.markConnected(created.id);
    const updated = await world.registry.update(admin(), created.id, patch);
    expect(updated.connection).toEqual({ status: 'untested', lastTestedAt: null, lastConnectedAt: null, errorMessage: null, tools: null });
    expect((await world.store.servers.findById(created.id))!.connection.status).toBe('untested');
  });

  it('keeps the tested state for a change that alters neither where it connects nor what it sends', async () => {
    const created = await world.registry.create(admin(), newServer({ requestHeaders: { 'X-Team': 'a' } }));
    await world.markConnected(created.id);
    await world.registry.update(admin(), created.id, { name: 'Renamed', description: 'd', isActive: false, requestHeaders: { 'X-Team': REDACTED } });
    expect((await world.store.servers.findById(created.id))!.connection.status).toBe('connected');
  });
});

describe('ServerRegistry: credentials are erased with what owned them', () => {
  it('delete hides the server and erases the secret holding its inline credentials', async () => {
    const created = await world.registry.create(admin(), newServer({ auth: bearer('tok'), requestHeaders: { 'X-Key': 'v' } }));
    world.clock.advance();
    await world.registry.delete(admin(), created.id);
    expect(await world.store.servers.findById(created.id)).toBeNull();
    expect(await world.store.secrets.findById(ORG, secretIdOf(created))).toBeNull();
    await expect(world.registry.get(admin(), created.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('delete leaves a shared secret the server only referenced', async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_shared', name: 'Shared token', value: 'shared' });
    const created = await world.registry.create(admin(), newServer({ auth: sharedSecret('secret_shared') }));
    await world.registry.delete(admin(), created.id);
    expect(await world.secretValue(ORG, 'secret_shared')).toBe('shared');
  });

  it('new inline credentials replace the old secret, and switching to no auth erases it', async () => {
    const created = await world.registry.create(admin(), newServer({ auth: bearer('first') }));
    const replaced = await world.registry.update(admin(), created.id, { auth: bearer('second') });
    expect(await world.store.secrets.findById(ORG, secretIdOf(created))).toBeNull();
    expect(await world.secretValue(ORG, secretIdOf(replaced))).toBe('second');
    const cleared = await world.registry.update(admin(), created.id, { auth: { type: 'none', credentials: {} } });
    expect(cleared.auth).toEqual({ type: 'none' });
    expect(await world.store.secrets.listByOrganization(ORG)).toEqual([]);
  });
});

describe('ServerRegistry: tool approvals', () => {
  it('adds one approval per tool name, replacing an earlier one, with the hash computed from description and schema', async () => {
    const created = await world.registry.create(admin(), newServer());
    const first = await world.registry.addToolApproval(admin(), created.id, {
      toolName: 'search',
      toolDescription: 'Searches',
      inputSchema: { type: 'object' },
    });
    expect(first.approval).toMatchObject({ toolName: 'search', state: 'requires_approval' });
    expect(first.approval.toolHash).toMatch(/^[0-9a-f]{64}$/);
    const again = await world.registry.addToolApproval(admin(), created.id, { toolName: 'search', toolDescription: 'Changed', state: 'auto_approved' });
    expect(again.approval.toolHash).not.toBe(first.approval.toolHash);
    await world.registry.addToolApproval(admin(), created.id, { toolName: 'fetch' });
    expect((await world.store.servers.findById(created.id))!.toolApprovals.map((a) => [a.toolName, a.state])).toEqual([
      ['search', 'auto_approved'],
      ['fetch', 'requires_approval'],
    ]);
  });

  it('removes an approval by tool name, and answers NotFound for a tool without one', async () => {
    const created = await world.registry.create(admin(), newServer());
    await world.registry.addToolApproval(admin(), created.id, { toolName: 'search' });
    await world.registry.removeToolApproval(admin(), created.id, 'search');
    expect((await world.store.servers.findById(created.id))!.toolApprovals).toEqual([]);
    await expect(world.registry.removeToolApproval(admin(), created.id, 'search')).rejects.toMatchObject({ code: 'NOT_FOUND', resource: 'tool_approval' });
  });

  it("refuses a member's approval on another user's server", async () => {
    const created = await world.registry.create(member('usr_one'), newServer());
    await expect(world.registry.addToolApproval(member('usr_two'), created.id, { toolName: 'search' })).rejects.toMatchObject({
      code: 'INSUFFICIENT_PERMISSIONS',
    });
    expect((await world.store.servers.findById(created.id))!.toolApprovals).toEqual([]);
  });
});
