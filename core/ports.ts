import type { StoredApiKey } from './model/api-key';
import type { ServerQuery } from './model/input';
import type { ProbeOutcome, ProbeTarget } from './model/probe';
import type { StoredSecret } from './model/secret';
import type { ConnectionState, McpServer } from './model/server';

/** Persistence of servers. Throws NameConflict when a live name is taken in the organization. */
export interface ServerRepository {
  insert(server: McpServer): Promise<void>;
  /** Live (not deleted) server by id, or null. `forUpdate` locks the row until the transaction ends. */
  findById(id: string, options?: { forUpdate?: boolean }): Promise<McpServer | null>;
  list(query: ServerQuery): Promise<{ items: McpServer[]; total: number }>;
  /** Writes every mutable field of the server as given. */
  update(server: McpServer): Promise<void>;
  /** Live servers of the organization whose auth points at one of these secrets. */
  findUsingSecrets(organizationId: string, secretIds: string[]): Promise<Array<{ secretId: string; id: string; name: string }>>;
  countWithUrl(organizationId: string, url: string): Promise<number>;
  /** Stores a connection test's outcome, touching nothing else, so it never undoes an edit. */
  updateConnection(id: string, connection: ConnectionState): Promise<void>;
}

export interface SecretRepository {
  /** Throws SecretIdTaken when the organization already has a secret with this id. */
  insert(secret: StoredSecret): Promise<void>;
  listByOrganization(organizationId: string): Promise<StoredSecret[]>;
  /** `forUpdate` locks the row until the transaction ends, so an attach and a delete cannot cross. */
  findById(organizationId: string, id: string, options?: { forUpdate?: boolean }): Promise<StoredSecret | null>;
  update(secret: StoredSecret): Promise<void>;
  delete(organizationId: string, id: string): Promise<void>;
}

export interface ApiKeyRepository {
  insert(key: StoredApiKey): Promise<void>;
  findByKeyHash(keyHash: string): Promise<StoredApiKey | null>;
  list(): Promise<StoredApiKey[]>;
  /** Marks the key revoked; returns false when no such key exists. */
  revoke(id: string, at: number): Promise<boolean>;
  count(): Promise<number>;
}

export interface Store {
  servers: ServerRepository;
  secrets: SecretRepository;
  apiKeys: ApiKeyRepository;
  /** Runs `work` atomically: every write inside lands, or none does. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
}

/** Authenticated encryption of secret material, bound to a context (`aad`) such as a row id. */
export interface Cipher {
  encrypt(plaintext: string, aad: string): string;
  decrypt(ciphertext: string, aad: string): string;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Connects to an MCP server and lists its tools; never throws for an upstream failure. */
export interface ConnectionProbe {
  probe(target: ProbeTarget): Promise<ProbeOutcome>;
}
