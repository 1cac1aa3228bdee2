import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationRequired, InvalidApiKey, NotFound, ValidationError } from '../errors';
import { newKeyId, newUserId, randomToken } from '../ids';
import type { Dialect, StoredApiKey } from '../model/api-key';
import type { Principal, Role } from '../model/principal';
import type { Clock, Store } from '../ports';

/** Key material shapes per dialect: Aitronos `ak_…`; Zudu `sk_…` with `s3cr3t_…`. */
const PREFIX = { aitronos: 'ak_', zudu: 'sk_', zuduSecret: 's3cr3t_' } as const;
const ORGANIZATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;
const USER_ID = ORGANIZATION_ID;

export interface NewApiKey {
  dialect: Dialect;
  organizationIds: string[];
  userId?: string;
  role?: Role;
}

export interface IssuedApiKey {
  record: StoredApiKey;
  apiKey: string;
  apiSecret: string | null;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

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
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async issue(input: NewApiKey): Promise<IssuedApiKey> {
    const organizationIds = [...new Set(input.organizationIds)];
    if (organizationIds.length === 0) throw new ValidationError('organizationIds', 'A key needs at least one organization');
    if (input.dialect === 'zudu' && organizationIds.length !== 1) {
      throw new ValidationError('organizationIds', 'A Zudu key pair belongs to exactly one organization');
    }
    for (const org of organizationIds) {
      if (!ORGANIZATION_ID.test(org)) throw new ValidationError('organizationIds', `'${org}' is not a valid organization id`);
    }
    if (input.userId !== undefined && !USER_ID.test(input.userId)) {
      throw new ValidationError('userId', `'${input.userId}' is not a valid user id`);
    }
    const apiKey = (input.dialect === 'aitronos' ? PREFIX.aitronos : PREFIX.zudu) + randomToken();
    const apiSecret = input.dialect === 'zudu' ? PREFIX.zuduSecret + randomToken() : null;
    const record: StoredApiKey = {
      id: newKeyId(),
      dialect: input.dialect,
      keyHash: sha256(apiKey),
      secretHash: apiSecret === null ? null : sha256(apiSecret),
      keyPrefix: apiKey.slice(0, 10),
      userId: input.userId ?? newUserId(),
      organizationIds,
      role: input.role ?? 'admin',
      createdAt: this.deps.clock.now(),
      revokedAt: null,
    };
    await this.deps.store.apiKeys.insert(record);
    return { record, apiKey, apiSecret };
  }

  /** Resolves a presented Aitronos key; any mismatch is the same InvalidApiKey. */
  async authenticateAitronos(apiKey: string | undefined): Promise<Principal> {
    if (!apiKey) throw new AuthenticationRequired('An API key is required: send X-API-Key or Authorization: Bearer');
    const record = apiKey.startsWith(PREFIX.aitronos) ? await this.deps.store.apiKeys.findByKeyHash(sha256(apiKey)) : null;
    if (!record || record.dialect !== 'aitronos' || record.revokedAt !== null) throw new InvalidApiKey();
    return toPrincipal(record);
  }

  /** Resolves a Zudu key pair. A right key with a missing or wrong secret is an unknown key. */
  async authenticateZudu(apiKey: string | undefined, apiSecret: string | undefined): Promise<Principal> {
    if (!apiKey && !apiSecret) throw new AuthenticationRequired('X-API-KEY and X-API-SECRET are required');
    const record = apiKey?.startsWith(PREFIX.zudu) ? await this.deps.store.apiKeys.findByKeyHash(sha256(apiKey)) : null;
    const secretMatches = sameHash(record?.secretHash ?? DUMMY_HASH, sha256(apiSecret ?? ''));
    if (!record || !secretMatches || record.dialect !== 'zudu' || record.revokedAt !== null) throw new InvalidApiKey();
    return toPrincipal(record);
  }

  list(): Promise<StoredApiKey[]> {
    return this.deps.store.apiKeys.list();
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.deps.store.apiKeys.revoke(id, this.deps.clock.now()))) throw new NotFound('key', id);
  }

  async hasAnyKey(): Promise<boolean> {
    return (await this.deps.store.apiKeys.count()) > 0;
  }
}

function toPrincipal(record: StoredApiKey): Principal {
  return { keyId: record.id, userId: record.userId, organizationIds: record.organizationIds, role: record.role };
}
