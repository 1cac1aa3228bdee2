import { admin, member, newServer, ORG, sharedSecret, useCaseWorld, type UseCaseWorld } from './use-case-world';

let world: UseCaseWorld;
beforeEach(() => (world = useCaseWorld()));

describe('SecretVault', () => {
  it('stores the value encrypted under its organization and id, and never shows it', async () => {
    const view = await world.vault.create(member(), ORG, { id: 'secret_one', name: 'Token', value: 'plain-value' });
    expect(view).toEqual({ id: 'secret_one', organizationId: ORG, name: 'Token', createdAt: world.clock.now(), updatedAt: world.clock.now(), usedBy: [] });
    expect(JSON.stringify(await world.store.secrets.findById(ORG, 'secret_one'))).not.toContain('plain-value');
    expect(await world.secretValue(ORG, 'secret_one')).toBe('plain-value');
  });

  it('refuses an id the organization already has, keeping the first value', async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_one', name: 'First', value: 'first' });
    await expect(world.vault.create(admin(), ORG, { id: 'secret_one', name: 'Second', value: 'second' })).rejects.toMatchObject({ code: 'SECRET_ID_TAKEN' });
    expect(await world.secretValue(ORG, 'secret_one')).toBe('first');
  });

  it('shows members only the secrets they wrote, and admins all, each with the servers using it', async () => {
    await world.vault.create(member('usr_one'), ORG, { id: 'secret_one', name: 'One', value: 'v' });
    await world.vault.create(member('usr_two'), ORG, { id: 'secret_two', name: 'Two', value: 'v' });
    const server = await world.registry.create(member('usr_one'), newServer({ auth: sharedSecret('secret_one') }));
    expect((await world.vault.list(member('usr_one'), ORG)).map((s) => [s.id, s.usedBy])).toEqual([['secret_one', [{ id: server.id, name: 'GitHub' }]]]);
    expect((await world.vault.list(admin(), ORG)).map((s) => s.id)).toEqual(['secret_one', 'secret_two']);
    await expect(world.vault.get(member('usr_one'), ORG, 'secret_two')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(world.vault.update(member('usr_one'), ORG, 'secret_two', { value: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(world.vault.delete(member('usr_one'), ORG, 'secret_two')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses to delete a secret a live server uses, and deletes it once that server is gone', async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_used', name: 'Used', value: 'v' });
    const server = await world.registry.create(admin(), newServer({ auth: sharedSecret('secret_used') }));
    await expect(world.vault.delete(admin(), ORG, 'secret_used')).rejects.toMatchObject({ code: 'SECRET_IN_USE', usedBy: [server.id] });
    await world.registry.delete(admin(), server.id);
    await world.vault.delete(admin(), ORG, 'secret_used');
    expect(await world.store.secrets.findById(ORG, 'secret_used')).toBeNull();
  });

  it('answers for one organization only', async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_one', name: 'One', value: 'v' });
    await expect(world.vault.get(admin('usr_b', ['org_b']), 'org_b', 'secret_one')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(world.vault.get(admin('usr_b', ['org_b']), ORG, 'secret_one')).rejects.toMatchObject({ code: 'ORGANIZATION_ACCESS_DENIED' });
  });
});
