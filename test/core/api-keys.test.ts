import type { KeyFormat } from '../../core/model/api-key';
import { ApiKeyService } from '../../core/services/api-keys';
import { MemoryStore } from '../../core/store/memory/memory-store';
import { ManualClock } from './use-case-world';

// Formats of the test's own: the core generates and checks keys by whatever an interface declares.
const SINGLE: KeyFormat = { kind: 'single', keyPrefix: 'tk_', secretPrefix: null, singleOrganization: false, label: 'A test key' };
const PAIR: KeyFormat = { kind: 'pair', keyPrefix: 'pk_', secretPrefix: 'ps_', singleOrganization: true, label: 'A test key pair' };
const LOOKALIKE: KeyFormat = { ...SINGLE, kind: 'lookalike', label: 'A key with the same prefix' };

let store: MemoryStore;
let clock: ManualClock;
let keys: ApiKeyService;
beforeEach(() => {
  store = new MemoryStore();
  clock = new ManualClock();
  keys = new ApiKeyService({ store, clock });
});

describe('ApiKeyService', () => {
  it('issues a key that authenticates as its user, role and organizations, storing only hashes', async () => {
    const issued = await keys.issue({ format: SINGLE, organizationIds: ['org_a', 'org_b', 'org_a'], userId: 'usr_1', role: 'member' });
    expect(issued.apiKey).toMatch(/^tk_/);
    expect(issued.apiSecret).toBeNull();
    expect(await keys.authenticate(SINGLE, { key: issued.apiKey })).toEqual({
      keyId: issued.record.id,
      userId: 'usr_1',
      organizationIds: ['org_a', 'org_b'],
      role: 'member',
      dialect: SINGLE.kind,
    });
    const stored = JSON.stringify(await store.apiKeys.list());
    expect(stored).not.toContain(issued.apiKey);
    expect(stored).toContain(issued.apiKey.slice(0, 10));
  });

  it('gives a key without a user a generated one, and makes it an admin by default', async () => {
    const issued = await keys.issue({ format: SINGLE, organizationIds: ['org_a'] });
    expect(issued.record).toMatchObject({ role: 'admin', userId: expect.stringMatching(/^usr_/) });
  });

  it('accepts a pair only with its own secret', async () => {
    const issued = await keys.issue({ format: PAIR, organizationIds: ['org_a'] });
    expect(issued.apiSecret).toMatch(/^ps_/);
    await expect(keys.authenticate(PAIR, { key: issued.apiKey, secret: issued.apiSecret! })).resolves.toMatchObject({ keyId: issued.record.id });
    for (const secret of [undefined, '', 'ps_wrong', issued.apiKey]) {
      await expect(keys.authenticate(PAIR, { key: issued.apiKey, secret })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    }
  });

  it('refuses an unknown key, a revoked one, and a key presented as another format, all alike', async () => {
    const issued = await keys.issue({ format: SINGLE, organizationIds: ['org_a'] });
    await expect(keys.authenticate(SINGLE, { key: 'tk_unknown' })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    await expect(keys.authenticate(LOOKALIKE, { key: issued.apiKey })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    await expect(keys.authenticate(PAIR, { key: issued.apiKey, secret: 'ps_x' })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    clock.advance();
    await keys.revoke(issued.record.id);
    expect((await keys.list())[0]!.revokedAt).toBe(clock.now());
    await expect(keys.authenticate(SINGLE, { key: issued.apiKey })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
  });

  it('answers NotFound when revoking a key that does not exist', async () => {
    await expect(keys.revoke('key_missing')).rejects.toMatchObject({ code: 'NOT_FOUND', resource: 'key' });
  });

  it('refuses a key without organizations, a single-organization format with two, and malformed ids, storing nothing', async () => {
    await expect(keys.issue({ format: SINGLE, organizationIds: [] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'organizationIds' });
    await expect(keys.issue({ format: PAIR, organizationIds: ['org_a', 'org_b'] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'organizationIds',
    });
    await expect(keys.issue({ format: SINGLE, organizationIds: ['org a'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'organizationIds' });
    await expect(keys.issue({ format: SINGLE, organizationIds: ['org_a'], userId: '-bad' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'userId',
    });
    expect(await keys.hasAnyKey()).toBe(false);
    await keys.issue({ format: SINGLE, organizationIds: ['org_a'] });
    expect(await keys.hasAnyKey()).toBe(true);
  });
});

describe('ApiKeyService with verified keys kept in memory', () => {
  /** A key change counter the test moves by hand; null while "not watching". */
  class TestWatch {
    version: number | null = 0;
    current() {
      return this.version;
    }
    async close() {}
  }

  const setUp = (settings = { ttlMs: 60_000, maxEntries: 100 }) => {
    const watch = new TestWatch();
    const cached = new ApiKeyService({ store, clock, keyChanges: watch, cache: settings });
    const lookups = jest.spyOn(store.apiKeys, 'findByKeyHash');
    return { watch, cached, lookups };
  };

  it('looks a key up once while no key changes, and again once the change counter moves', async () => {
    const { watch, cached, lookups } = setUp();
    const issued = await cached.issue({ format: SINGLE, organizationIds: ['org_a'] });
    for (let i = 0; i < 3; i += 1) await expect(cached.authenticate(SINGLE, { key: issued.apiKey })).resolves.toMatchObject({ keyId: issued.record.id });
    expect(lookups).toHaveBeenCalledTimes(1);
    watch.version = 1;
    await cached.authenticate(SINGLE, { key: issued.apiKey });
    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('refuses a key revoked by another process as soon as the counter moves, though it was in memory', async () => {
    const { watch, cached } = setUp();
    const issued = await cached.issue({ format: SINGLE, organizationIds: ['org_a'] });
    await cached.authenticate(SINGLE, { key: issued.apiKey });
    // Another process (another service over the same store) revokes; the trigger moves the counter.
    await new ApiKeyService({ store, clock }).revoke(issued.record.id);
    watch.version = 1;
    await expect(cached.authenticate(SINGLE, { key: issued.apiKey })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
  });

  it('refuses a key this process revoked at once, before any counter moves', async () => {
    const { cached } = setUp();
    const issued = await cached.issue({ format: SINGLE, organizationIds: ['org_a'] });
    await cached.authenticate(SINGLE, { key: issued.apiKey });
    await cached.revoke(issued.record.id);
    await expect(cached.authenticate(SINGLE, { key: issued.apiKey })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
  });

  it('still checks the secret of a remembered pair on every request', async () => {
    const { cached, lookups } = setUp();
    const issued = await cached.issue({ format: PAIR, organizationIds: ['org_a'] });
    await cached.authenticate(PAIR, { key: issued.apiKey, secret: issued.apiSecret! });
    await expect(cached.authenticate(PAIR, { key: issued.apiKey, secret: 'ps_wrong' })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    await expect(cached.authenticate(PAIR, { key: issued.apiKey })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('looks every key up while the watch cannot tell, and forgets a key after its time', async () => {
    const { watch, cached, lookups } = setUp({ ttlMs: 5000, maxEntries: 100 });
    const issued = await cached.issue({ format: SINGLE, organizationIds: ['org_a'] });
    watch.version = null;
    await cached.authenticate(SINGLE, { key: issued.apiKey });
    await cached.authenticate(SINGLE, { key: issued.apiKey });
    expect(lookups).toHaveBeenCalledTimes(2);
    watch.version = 7;
    await cached.authenticate(SINGLE, { key: issued.apiKey });
    await cached.authenticate(SINGLE, { key: issued.apiKey });
    expect(lookups).toHaveBeenCalledTimes(3);
    clock.advance(5000);
    await cached.authenticate(SINGLE, { key: issued.apiKey });
    expect(lookups).toHaveBeenCalledTimes(4);
  });

  it('keeps no unknown key, and no more keys than its bound', async () => {
    const { cached, lookups } = setUp({ ttlMs: 60_000, maxEntries: 2 });
    for (let i = 0; i < 3; i += 1) await expect(cached.authenticate(SINGLE, { key: 'tk_unknown' })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    expect(lookups).toHaveBeenCalledTimes(3);
    const issued = await Promise.all([0, 1, 2].map(() => cached.issue({ format: SINGLE, organizationIds: ['org_a'] })));
    for (const k of issued) await cached.authenticate(SINGLE, { key: k.apiKey });
    expect(lookups).toHaveBeenCalledTimes(6);
    // The first was dropped for the third; the last two are still kept.
    await cached.authenticate(SINGLE, { key: issued[2]!.apiKey });
    await cached.authenticate(SINGLE, { key: issued[1]!.apiKey });
    expect(lookups).toHaveBeenCalledTimes(6);
    await cached.authenticate(SINGLE, { key: issued[0]!.apiKey });
    expect(lookups).toHaveBeenCalledTimes(7);
  });
});
