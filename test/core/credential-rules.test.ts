import { admin, bearer, member, newServer, ORG, sharedSecret, secretIdOf, useCaseWorld, type UseCaseWorld } from './use-case-world';

/*
 * core/services/credential-access.ts: a credential is sent only where someone allowed to manage
 * it sent it. Admins manage every credential of their organizations; members only what they wrote.
 */
let world: UseCaseWorld;
beforeEach(() => (world = useCaseWorld()));

const OTHER_ORIGIN = 'https://elsewhere.example.net/mcp';

describe('attaching a secret to a server', () => {
  it('lets a member attach a secret it wrote', async () => {
    await world.vault.create(member(), ORG, { id: 'secret_mine', name: 'Mine', value: 'v' });
    const created = await world.registry.create(member(), newServer({ auth: sharedSecret('secret_mine') }));
    expect(created.auth).toEqual({ type: 'bearer', secretId: 'secret_mine' });
  });

  it("refuses a member an admin's secret, another member's, and an id that does not exist, storing no server", async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_admin', name: 'Admin', value: 'v' });
    await world.vault.create(member('usr_other'), ORG, { id: 'secret_other', name: 'Other', value: 'v' });
    for (const id of ['secret_admin', 'secret_other', 'secret_missing']) {
      await expect(world.registry.create(member(), newServer({ name: id, auth: sharedSecret(id) }))).rejects.toMatchObject({
        code: 'INSUFFICIENT_PERMISSIONS',
      });
    }
    expect((await world.store.servers.list({ organizationId: ORG })).total).toBe(0);
  });

  it('refuses the same secrets when a member switches an existing server to them', async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_admin', name: 'Admin', value: 'v' });
    const created = await world.registry.create(member(), newServer());
    await expect(world.registry.update(member(), created.id, { auth: sharedSecret('secret_admin') })).rejects.toMatchObject({
      code: 'INSUFFICIENT_PERMISSIONS',
    });
    expect((await world.store.servers.findById(created.id))!.auth).toEqual({ type: 'none' });
  });

  it('lets an admin name a secret id that does not exist yet', async () => {
    const created = await world.registry.create(admin(), newServer({ auth: sharedSecret('secret_later') }));
    expect(created.auth).toEqual({ type: 'bearer', secretId: 'secret_later' });
  });

  it("refuses everyone, admins included, a reference to another server's inline credentials", async () => {
    const owner = await world.registry.create(admin(), newServer({ name: 'Owner', auth: bearer('inline') }));
    await expect(world.registry.create(admin(), newServer({ name: 'Borrower', auth: sharedSecret(secretIdOf(owner)) }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'auth.secretId',
    });
  });
});

describe("moving a server's credentials to another origin", () => {
  it('lets a member move a server whose credentials it wrote itself', async () => {
    const created = await world.registry.create(member(), newServer({ auth: bearer('mine'), requestHeaders: { 'X-Team': 'mine' } }));
    await expect(world.registry.update(member(), created.id, { url: OTHER_ORIGIN })).resolves.toMatchObject({ url: OTHER_ORIGIN });
  });

  it('refuses a member a move that would carry a header value an admin wrote, until the member sends its own value', async () => {
    const created = await world.registry.create(member(), newServer());
    await world.registry.update(admin(), created.id, { requestHeaders: { 'X-Admin': 'admin-value' } });
    await expect(world.registry.update(member(), created.id, { url: OTHER_ORIGIN })).rejects.toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
    expect((await world.store.servers.findById(created.id))!.url).toBe('https://mcp.example.com/mcp');
    await expect(world.registry.update(member(), created.id, { url: OTHER_ORIGIN, requestHeaders: { 'X-Admin': 'my-value' } })).resolves.toMatchObject({
      url: OTHER_ORIGIN,
    });
  });

  it("refuses a member a move that would carry an admin's credential, unless new credentials come in the same change", async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_admin', name: 'Admin', value: 'v' });
    // A member's own server, pointed at the admin's secret by the admin.
    const own = await world.registry.create(member(), newServer({ name: 'Own' }));
    await world.registry.update(admin(), own.id, { auth: sharedSecret('secret_admin') });
    await expect(world.registry.update(member(), own.id, { url: OTHER_ORIGIN })).rejects.toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
    await expect(world.registry.update(member(), own.id, { url: OTHER_ORIGIN, auth: bearer('my own token') })).resolves.toMatchObject({ url: OTHER_ORIGIN });
    expect(await world.secretValue(ORG, 'secret_admin')).toBe('v');
  });

  it('lets a member change the path on the same origin, and an admin move anything', async () => {
    const created = await world.registry.create(member(), newServer());
    await world.registry.update(admin(), created.id, { requestHeaders: { 'X-Admin': 'admin-value' } });
    await expect(world.registry.update(member(), created.id, { url: 'https://mcp.example.com/other-path' })).resolves.toBeDefined();
    await expect(world.registry.update(admin(), created.id, { url: OTHER_ORIGIN })).resolves.toMatchObject({ url: OTHER_ORIGIN });
  });
});

describe('rotating and supplying secrets', () => {
  it("makes a member's secret the admin's once an admin rotates it, so the member can no longer move it", async () => {
    await world.vault.create(member(), ORG, { id: 'secret_mine', name: 'Mine', value: 'v1' });
    const created = await world.registry.create(member(), newServer({ auth: sharedSecret('secret_mine') }));
    await world.vault.update(admin(), ORG, 'secret_mine', { value: 'v2' });
    expect(await world.store.secrets.findById(ORG, 'secret_mine')).toMatchObject({ ownerId: 'usr_admin' });
    await expect(world.registry.update(member(), created.id, { url: OTHER_ORIGIN })).rejects.toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
    await expect(world.vault.get(member(), ORG, 'secret_mine')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('returns every live server using a rotated secret to untested, and keeps them after a rename only', async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_shared', name: 'Shared', value: 'v1' });
    const a = await world.registry.create(admin(), newServer({ name: 'A', auth: sharedSecret('secret_shared') }));
    const b = await world.registry.create(admin(), newServer({ name: 'B', auth: sharedSecret('secret_shared') }));
    await world.markConnected(a.id);
    await world.markConnected(b.id);
    await world.vault.update(admin(), ORG, 'secret_shared', { name: 'Renamed' });
    expect((await world.store.servers.findById(a.id))!.connection.status).toBe('connected');
    await world.vault.update(admin(), ORG, 'secret_shared', { value: 'v2' });
    expect((await world.store.servers.findById(a.id))!.connection.status).toBe('untested');
    expect((await world.store.servers.findById(b.id))!.connection.status).toBe('untested');
  });

  it('refuses a member writing a secret under an id that servers it cannot manage already name; lets an admin, which resets them', async () => {
    const waiting = await world.registry.create(admin(), newServer({ auth: sharedSecret('secret_future') }));
    await world.markConnected(waiting.id);
    await expect(world.vault.create(member(), ORG, { id: 'secret_future', name: 'Hijack', value: 'attacker' })).rejects.toMatchObject({
      code: 'INSUFFICIENT_PERMISSIONS',
    });
    expect(await world.store.secrets.findById(ORG, 'secret_future')).toBeNull();
    await world.vault.create(admin(), ORG, { id: 'secret_future', name: 'Real', value: 'real' });
    expect((await world.store.servers.findById(waiting.id))!.connection.status).toBe('untested');
  });
});
