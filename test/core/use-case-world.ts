import type { NewServer } from '../../core/model/input';
import type { Principal } from '../../core/model/principal';
import type { ConnectionState } from '../../core/model/server';
import type { Clock } from '../../core/ports';
import { AesGcmCipher } from '../../core/secrets/aes-gcm-cipher';
import { secretContext } from '../../core/secrets/contexts';
import { SecretVault } from '../../core/services/secret-vault';
import { ServerRegistry } from '../../core/services/server-registry';
import { MemoryStore } from '../../core/store/memory/memory-store';

/**
 * The services over the in-memory store (held to the knex store's contract in test/store/),
 * a real cipher and a clock the test moves: use cases run in milliseconds, no database, no HTTP.
 */
export const T0 = Date.UTC(2026, 0, 1);

export class ManualClock implements Clock {
  constructor(private instant = T0) {}
  now(): number {
    return this.instant;
  }
  advance(ms = 1000): number {
    this.instant += ms;
    return this.instant;
  }
}

export function useCaseWorld() {
  const store = new MemoryStore();
  const cipher = new AesGcmCipher(Buffer.alloc(32, 7));
  const clock = new ManualClock();
  const deps = { store, cipher, clock };
  return {
    ...deps,
    registry: new ServerRegistry(deps),
    vault: new SecretVault(deps),
    /** The plaintext of a stored secret, or null when the organization has no such secret. */
    async secretValue(organizationId: string, id: string): Promise<string | null> {
      const secret = await store.secrets.findById(organizationId, id);
      return secret ? cipher.decrypt(secret.ciphertext, secretContext(organizationId, id)) : null;
    },
    /** Records a successful test of the server, as the connection tester would. */
    markConnected(id: string): Promise<void> {
      return store.servers.updateConnection(id, connectedAt(clock.now()));
    },
  };
}

export type UseCaseWorld = ReturnType<typeof useCaseWorld>;

export const connectedAt = (at: number): ConnectionState => ({
  status: 'connected',
  lastTestedAt: at,
  lastConnectedAt: at,
  errorMessage: null,
  tools: [{ name: 'search', description: 'Searches', inputSchema: { type: 'object' } }],
});

export const ORG = 'org_a';

export const admin = (userId = 'usr_admin', organizationIds = [ORG]): Principal => ({ keyId: `key_${userId}`, userId, organizationIds, role: 'admin' });

export const member = (userId = 'usr_member', organizationIds = [ORG]): Principal => ({ keyId: `key_${userId}`, userId, organizationIds, role: 'member' });

export function newServer(overrides: Partial<NewServer> = {}): NewServer {
  return {
    organizationId: ORG,
    name: 'GitHub',
    url: 'https://mcp.example.com/mcp',
    transport: 'streamable_http',
    auth: { type: 'none', credentials: {} },
    ...overrides,
  };
}

export const bearer = (token: string): NewServer['auth'] => ({ type: 'bearer', credentials: { token } });

export const sharedSecret = (secretId: string): NewServer['auth'] => ({ type: 'bearer', credentials: { secretId } });

/** The id of the secret a server's auth points at. */
export function secretIdOf(server: { auth: { type: string } }): string {
  const id = (server.auth as { secretId?: string }).secretId;
  if (id === undefined) throw new Error(`auth type ${server.auth.type} holds no secret`);
  return id;
}
