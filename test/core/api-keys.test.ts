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
