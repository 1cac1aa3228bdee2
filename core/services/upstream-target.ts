import type { Principal } from '../model/principal';
import type { ProbeTarget, UpstreamGrant } from '../model/probe';
import { authSecretId, type McpServer } from '../model/server';
import { ProbeFailure } from '../probe/probe-failure';
import type { Cipher, Store } from '../ports';
import { DecryptionFailed } from '../secrets/aes-gcm-cipher';
import { decryptHeaders } from './request-headers';
import { secretContext } from '../secrets/contexts';

/**
 * What reaching a stored server takes, decrypted: its request headers and stored auth as headers
 * (bearer, API key header, access token), or the client credentials to fetch a token with, and
 * every secret value in play (scrubbed from whatever the upstream returns). One function for the
 * connection test and the MCP endpoint, so both send exactly the same. A missing or
 * undecryptable secret is a `config` failure.
 */
export interface TargetDeps {
  store: Store;
  cipher: Cipher;
  /** OAuth grants of authorization-code servers (absent: such servers cannot be reached). */
  grants?: GrantSource;
}

export interface GrantSource {
  grantFor(server: McpServer, userId: string | null): Promise<UpstreamGrant>;
  /** Starts a consent for a per-user server's calling user: the authorization URL to open. */
  consentUrlFor?(server: McpServer, principal: Principal): Promise<string>;
}

/**
 * `userId`: who the connection is for; a per-user OAuth server sends that user's token.
 */
export async function upstreamTarget(deps: TargetDeps, server: McpServer, userId: string | null = null): Promise<ProbeTarget> {
  let headers: Record<string, string>;
  try {
    headers = decryptHeaders(deps.cipher, server.id, server.requestHeaders);
  } catch (error) {
    if (error instanceof DecryptionFailed) throw new ProbeFailure({ kind: 'headers_undecryptable' });
    throw error;
  }
  const secrets = Object.values(headers);
  const auth = server.auth;
  let oauth: ProbeTarget['oauth'] = null;
  let grant: UpstreamGrant | null = null;
  if (auth.type === 'oauth' && auth.grant === 'authorization_code') {
    if (!deps.grants) throw new ProbeFailure({ kind: 'oauth_consent_required', issuer: null, perUser: auth.perUser });
    grant = await deps.grants.grantFor(server, userId);
  } else if (auth.type !== 'none') {
    const value = await secretValue(deps, server, auth.secretId);
    secrets.push(value);
    if (auth.type === 'bearer') headers.Authorization = `Bearer ${value}`;
    else if (auth.type === 'api_key') headers[auth.headerName] = value;
    else if (auth.grant === 'access_token') headers.Authorization = `Bearer ${value}`;
    else oauth = { tokenUrl: auth.tokenUrl, clientId: auth.clientId, clientSecret: value, scope: auth.scope };
  }
  return { organizationId: server.organizationId, url: server.url, transport: server.transport, headers, oauth, ...(grant ? { grant } : {}), secrets };
}

async function secretValue(deps: { store: Store; cipher: Cipher }, server: McpServer, secretId: string): Promise<string> {
  const secret = await deps.store.secrets.findById(server.organizationId, secretId);
  if (!secret) throw new ProbeFailure({ kind: 'secret_missing', secretId });
  try {
    return deps.cipher.decrypt(secret.ciphertext, secretContext(server.organizationId, secretId));
  } catch {
    throw new ProbeFailure({ kind: 'secret_undecryptable', secretId });
  }
}

/** What reaching a server depends on, as stored: where it connects and what it sends (the secret as its ciphertext). */
export async function connectionFingerprint(store: Store, server: McpServer): Promise<string> {
  const secretId = authSecretId(server.auth);
  const secret = secretId === null ? null : await store.secrets.findById(server.organizationId, secretId);
  return JSON.stringify([server.url, server.transport, server.auth, server.requestHeaders, secret?.ciphertext ?? null]);
}
