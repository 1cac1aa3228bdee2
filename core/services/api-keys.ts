import { sha256Hex as sha256 } from '../digest';
import { timingSafeEqual } from 'node:crypto';
import { InvalidApiKey, NotFound, ValidationError } from '../errors';
import { newKeyId, newUserId, randomToken } from '../ids';
import type { KeyFormat, StoredApiKey } from '../model/api-key';
import type { Principal, Role } from '../model/principal';
import type { Clock, KeyChangeWatch, Store } from '../ports';
import { auditEvent } from './audit-trail';
import { DEFAULT_KEY_CACHE, VerifiedKeyCache } from './verified-key-cache';

const ORGANIZATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;
const USER_ID = ORGANIZATION_ID;

export interface NewApiKey {
  format: KeyFormat;
  organizationIds: string[];
  userId?: string;
  role?: Role;
}

export interface IssuedApiKey {
  record: StoredApiKey;
  apiKey: string;
  apiSecret: string | null;
}

// Compared against when no key matched, so a miss costs the same as a wrong secret.
const DUMMY_HASH = sha256('mcp-gateway: no such key');

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Issues and checks API keys. Keys are 256-bit random tokens, so one SHA-256 is a sound
 * stored form (no password-style stretching needed); only hashes reach the database.
 */
export class ApiKeyService {
  private readonly cache: VerifiedKeyCache;

  /**
   * `keyChanges`: with it, keys found by hash are kept in memory (see VerifiedKeyCache) for as
   * long as it reports no key changed; without it, every request looks its key up.
   */
  constructor(private readonly deps: { store: Store; clock: Clock; keyChanges?: KeyChangeWatch; cache?: { ttlMs: number; maxEntries: number } }) {
    this.cache = new VerifiedKeyCache(deps.cache ?? DEFAULT_KEY_CACHE);
  }

  async issue(input: NewApiKey): Promise<IssuedApiKey> {
    const { format } = input;
    const organizationIds = [...new Set(input.organizationIds)];
    if (organizationIds.length === 0) throw new ValidationError('organizationIds', 'A key needs at least one organization');
    if (format.singleOrganization && organizationIds.length !== 1) {
      throw new ValidationError('organizationIds', `${format.label} belongs to exactly one organization`);
    }
    for (const org of organizationIds) {
      if (!ORGANIZATION_ID.test(org)) throw new ValidationError('organizationIds', `'${org}' is not a valid organization id`);
    }
    if (input.userId !== undefined && !USER_ID.test(input.userId)) {
      throw new ValidationError('userId', `'${input.userId}' is not a valid user id`);
    }
    const apiKey = format.keyPrefix + randomToken();
    const apiSecret = format.secretPrefix === null ? null : format.secretPrefix + randomToken();
    const record: StoredApiKey = {
      id: newKeyId(),
      kind: format.kind,
      keyHash: sha256(apiKey),
      secretHash: apiSecret === null ? null : sha256(apiSecret),
      keyPrefix: apiKey.slice(0, 10),
      userId: input.userId ?? newUserId(),
      organizationIds,
      role: input.role ?? 'admin',
      createdAt: this.deps.clock.now(),
      revokedAt: null,
    };
    // Keys are issued by the operator (the command line, the demo): the actor is nobody's key.
    await this.deps.store.transaction(async (tx) => {
      await tx.apiKeys.insert(record);
      for (const org of organizationIds)
        await tx.audit.append(
          auditEvent(null, org, record.createdAt, {
            action: 'key.created',
            targetType: 'key',
            targetId: record.id,
            detail: { dialect: record.kind, role: record.role, userId: record.userId },
          }),
        );
    });
    return { record, apiKey, apiSecret };
  }

  /**
   * Resolves a presented key (and, for pairs, its secret) of one format. Any mismatch is the same
   * InvalidApiKey: an unknown key, a revoked one, another format's key, or a right key with a
   * missing or wrong secret; a miss costs the same hash comparison as a wrong secret.
   */
  async authenticate(format: KeyFormat, presented: { key: string; secret?: string }): Promise<Principal> {
    const record = presented.key.startsWith(format.keyPrefix) ? await this.findByKeyHash(sha256(presented.key)) : null;
    const secretMatches = format.secretPrefix === null || sameHash(record?.secretHash ?? DUMMY_HASH, sha256(presented.secret ?? ''));
    if (!record || !secretMatches || record.kind !== format.kind || record.revokedAt !== null) throw new InvalidApiKey();
    return toPrincipal(record);
  }

  /**
   * Signs in with a key of whichever format it has (the console accepts every dialect's keys):
   * the principal, and the key's hash, by which a session names it without holding it.
   */
  async signIn(formats: readonly KeyFormat[], presented: { key: string; secret?: string }): Promise<{ principal: Principal; keyHash: string }> {
    const format = formats.find((f) => presented.key.startsWith(f.keyPrefix) && (f.secretPrefix === null) === (presented.secret === undefined));
    if (!format) throw new InvalidApiKey();
    return { principal: await this.authenticate(format, presented), keyHash: sha256(presented.key) };
  }

  /** The principal of a key signed in before (by its hash), or null once it is revoked or gone. */
  async principalByKeyHash(keyHash: string): Promise<Principal | null> {
    const record = await this.findByKeyHash(keyHash);
    return record === null || record.revokedAt !== null ? null : toPrincipal(record);
  }

  /** The stored key with this hash: from memory while no key has changed since it was read. */
  private async findByKeyHash(keyHash: string): Promise<StoredApiKey | null> {
    const version = this.deps.keyChanges ? await this.deps.keyChanges.current() : null;
    if (version === null) return this.deps.store.apiKeys.findByKeyHash(keyHash);
    const now = this.deps.clock.now();
    const cached = this.cache.get(keyHash, version, now);
    if (cached !== null) return cached;
    const record = await this.deps.store.apiKeys.findByKeyHash(keyHash);
    if (record !== null) this.cache.set(keyHash, record, version, now);
    return record;
  }

  list(): Promise<StoredApiKey[]> {
    return this.deps.store.apiKeys.list();
  }

  async revoke(id: string): Promise<void> {
    const at = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.apiKeys.revoke(id, at))) throw new NotFound('key', id);
      const key = (await tx.apiKeys.list()).find((k) => k.id === id);
      for (const org of key?.organizationIds ?? [])
        await tx.audit.append(auditEvent(null, org, at, { action: 'key.revoked', targetType: 'key', targetId: id, detail: { dialect: key!.kind } }));
    });
    // This process stops at once, whatever the watch's news takes to arrive.
    this.cache.clear();
  }

  async hasAnyKey(): Promise<boolean> {
    return (await this.deps.store.apiKeys.count()) > 0;
  }
}

function toPrincipal(record: StoredApiKey): Principal {
  // A copy: the record may be kept in memory and handed to later requests.
  return { keyId: record.id, userId: record.userId, organizationIds: [...record.organizationIds], role: record.role, dialect: record.kind };
}
