import { usableScope } from './oauth-rules';
import type { AuthorizationServerFacts } from '../model/oauth';
import type { AuthChallenge, OAuthStep } from '../model/probe';
import type { Transport } from '../model/server';
import type { FetchLike } from '../probe/guarded-fetch';
import { classifyFailure, ProbeFailure } from '../probe/probe-failure';

/** The official SDK's OAuth client functions, loaded on first use (most processes never connect an OAuth server). */
export async function loadOAuthSdk() {
  const sdk = await import('@modelcontextprotocol/client');
  return {
    discoverOAuthProtectedResourceMetadata: sdk.discoverOAuthProtectedResourceMetadata,
    discoverAuthorizationServerMetadata: sdk.discoverAuthorizationServerMetadata,
    extractWWWAuthenticateParams: sdk.extractWWWAuthenticateParams,
    checkResourceAllowed: sdk.checkResourceAllowed,
    resourceUrlFromServerUrl: sdk.resourceUrlFromServerUrl,
    startAuthorization: sdk.startAuthorization,
    exchangeAuthorization: sdk.exchangeAuthorization,
    refreshAuthorization: sdk.refreshAuthorization,
    registerClient: sdk.registerClient,
    OAuthError: sdk.OAuthError,
  };
}

export type OAuthSdk = Awaited<ReturnType<typeof loadOAuthSdk>>;
export type AuthorizationServerMetadata = NonNullable<Awaited<ReturnType<OAuthSdk['discoverAuthorizationServerMetadata']>>>;

/** What discovery found: where tokens are for, which scopes to ask, and the authorization server. */
export interface Discovered {
  /** RFC 8707 resource: the protected resource metadata's `resource`. */
  resource: string;
  /** The scopes to ask for: the challenge's, else the resource's `scopes_supported`. */
  scope: string | null;
  server: AuthorizationServerFacts;
}

/** A discovery step failed: an `auth` failure naming the step. */
export function stepFailure(step: OAuthStep, error: unknown, related: unknown[] = []): ProbeFailure {
  if (error instanceof ProbeFailure) return error;
  const known = classifyFailure(error, false, 0, related);
  // A refused destination or a dead socket says more in the gateway's words than in the SDK's.
  const detail =
    known.reason.kind === 'not_mcp' || known.reason.kind === 'credentials_refused'
      ? oneLine(error instanceof Error ? error.message : String(error))
      : known.message;
  return new ProbeFailure({ kind: 'oauth_discovery', step, detail });
}

const oneLine = (text: string) => {
  const line = text
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
};

/**
 * Asks the server, without credentials, how it wants to be authorized: the first message a
 * client would send, and the WWW-Authenticate of the 401 (or 403) it answers. Null when the server
 * answers without a challenge.
 */
export async function challengeOf(sdk: OAuthSdk, fetch: FetchLike, url: string, transport: Transport): Promise<AuthChallenge | null> {
  const response =
    transport === 'sse'
      ? await fetch(url, { method: 'GET', headers: { Accept: 'text/event-stream' }, redirect: 'manual' })
      : await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: {} }),
          redirect: 'manual',
        });
  await response.body?.cancel().catch(() => undefined);
  if ((response.status !== 401 && response.status !== 403) || !response.headers.get('www-authenticate')) return null;
  return challengeIn(sdk, response);
}

/** The parameters of a WWW-Authenticate header value. */
export async function challengeFromHeader(header: string): Promise<AuthChallenge> {
  return challengeIn(await loadOAuthSdk(), new Response(null, { status: 401, headers: { 'www-authenticate': header } }));
}

/** The parameters of a response's WWW-Authenticate header. */
export function challengeIn(sdk: OAuthSdk, response: Response): AuthChallenge {
  const params = sdk.extractWWWAuthenticateParams(response);
  return { resourceMetadataUrl: params.resourceMetadataUrl?.href ?? null, scope: params.scope ?? null, error: params.error ?? null };
}

/**
 * RFC 9728 then RFC 8414 / OpenID Connect discovery, every request through `fetch` (the guarded
 * client). The resource metadata must name this server (RFC 9728 §3.3), and the authorization
 * server must support PKCE with S256, or the flow is refused before anyone is sent anywhere.
 */
export async function discover(
  sdk: OAuthSdk,
  fetch: FetchLike,
  serverUrl: string,
  challenge: AuthChallenge | null,
  related: unknown[] = [],
): Promise<Discovered> {
  let prm: Awaited<ReturnType<OAuthSdk['discoverOAuthProtectedResourceMetadata']>>;
  try {
    prm = await sdk.discoverOAuthProtectedResourceMetadata(serverUrl, { resourceMetadataUrl: challenge?.resourceMetadataUrl ?? undefined }, fetch);
  } catch (error) {
    throw stepFailure('protected_resource_metadata', error, related);
  }
  const issuer = prm.authorization_servers?.[0];
  if (!issuer) throw new ProbeFailure({ kind: 'oauth_discovery', step: 'protected_resource_metadata', detail: 'it names no authorization server' });
  const resource = sdk.resourceUrlFromServerUrl(serverUrl).href;
  if (prm.resource && !sdk.checkResourceAllowed({ requestedResource: resource, configuredResource: prm.resource })) {
    throw new ProbeFailure({
      kind: 'oauth_discovery',
      step: 'protected_resource_metadata',
      detail: `it is for the resource ${oneLine(prm.resource)}, which does not cover this server's URL`,
    });
  }
  let metadata: AuthorizationServerMetadata | undefined;
  try {
    metadata = await sdk.discoverAuthorizationServerMetadata(issuer, { fetchFn: fetch });
  } catch (error) {
    throw stepFailure('authorization_server_metadata', error, related);
  }
  if (!metadata) {
    throw new ProbeFailure({ kind: 'oauth_discovery', step: 'authorization_server_metadata', detail: `${oneLine(issuer)} publishes none` });
  }
  if (!metadata.code_challenge_methods_supported?.includes('S256')) {
    throw new ProbeFailure({ kind: 'oauth_discovery', step: 'authorization_server_metadata', detail: 'it does not support PKCE with S256' });
  }
  const scope = challenge?.scope ?? (prm.scopes_supported?.length ? prm.scopes_supported.join(' ') : null);
  const facts = factsOf(metadata);
  // Stored, shown and sent on: each must be a URL of sane length, whatever the servers said.
  const urls: Array<[string | null, string, OAuthStep]> = [
    [prm.resource ?? resource, 'the resource', 'protected_resource_metadata'],
    [facts.issuer, 'the issuer', 'authorization_server_metadata'],
    [facts.authorizationEndpoint, 'the authorization endpoint', 'authorization_server_metadata'],
    [facts.tokenEndpoint, 'the token endpoint', 'authorization_server_metadata'],
    [facts.revocationEndpoint, 'the revocation endpoint', 'authorization_server_metadata'],
    [facts.registrationEndpoint, 'the registration endpoint', 'authorization_server_metadata'],
  ];
  for (const [url, what, step] of urls) {
    if (url !== null && !usableUrl(url))
      throw new ProbeFailure({ kind: 'oauth_discovery', step, detail: `${what} is not an http(s) URL of at most 1000 characters` });
  }
  return { resource: prm.resource ?? resource, scope: scope !== null && usableScope(scope) ? scope : null, server: facts };
}

function usableUrl(value: string): boolean {
  if (value.length > 1000 || /[\u0000-\u001f\u007f-\u009f]/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function factsOf(metadata: AuthorizationServerMetadata): AuthorizationServerFacts {
  const m = metadata as AuthorizationServerMetadata & { authorization_response_iss_parameter_supported?: boolean; revocation_endpoint?: string };
  return {
    issuer: m.issuer,
    authorizationEndpoint: m.authorization_endpoint,
    tokenEndpoint: m.token_endpoint,
    revocationEndpoint: m.revocation_endpoint ?? null,
    issParameterSupported: m.authorization_response_iss_parameter_supported === true,
    tokenEndpointAuthMethods: m.token_endpoint_auth_methods_supported ?? null,
    registrationEndpoint: (m as { registration_endpoint?: string }).registration_endpoint ?? null,
    clientIdMetadataDocumentSupported: (m as { client_id_metadata_document_supported?: boolean }).client_id_metadata_document_supported === true,
  };
}

/** The metadata the SDK's token functions read, from what the gateway kept. */
export function metadataOf(facts: AuthorizationServerFacts): AuthorizationServerMetadata {
  return {
    issuer: facts.issuer,
    authorization_endpoint: facts.authorizationEndpoint,
    token_endpoint: facts.tokenEndpoint,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...(facts.revocationEndpoint ? { revocation_endpoint: facts.revocationEndpoint } : {}),
    ...(facts.tokenEndpointAuthMethods ? { token_endpoint_auth_methods_supported: facts.tokenEndpointAuthMethods } : {}),
    ...(facts.issParameterSupported ? { authorization_response_iss_parameter_supported: true } : {}),
  } as AuthorizationServerMetadata;
}
