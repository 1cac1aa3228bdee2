/**
 * The gateway as an OAuth client of upstream MCP servers (MCP authorization): how it registered
 * at each authorization server, consent flows under way, and the grants they produced. Token
 * material is held only as ciphertext.
 */

/** Whose consent a grant is: the organization's (one for the server) or one user's. */
export type GrantSubject = { kind: 'organization' } | { kind: 'user'; userId: string };

/** How the gateway is known to an authorization server. */
export type ClientSource = 'pre_registered' | 'metadata_document' | 'dynamic_registration';

/** What the gateway keeps of an authorization server's metadata (RFC 8414), to refresh and revoke without discovering again. */
export interface AuthorizationServerFacts {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string | null;
  /** RFC 9207: the server says it sends `iss` with every authorization response. */
  issParameterSupported: boolean;
  tokenEndpointAuthMethods: string[] | null;
  /** RFC 7591 registration endpoint, if the server offers Dynamic Client Registration. */
  registrationEndpoint: string | null;
  /** The server accepts a Client ID Metadata Document URL as client_id. */
  clientIdMetadataDocumentSupported: boolean;
}

/** A Dynamic Client Registration (RFC 7591), kept per organization, issuer and redirect URI and reused. */
export interface ClientRegistration {
  id: string;
  organizationId: string;
  issuer: string;
  redirectUri: string;
  clientId: string;
  /** Encrypted; null for a public client. */
  clientSecretCiphertext: string | null;
  tokenEndpointAuthMethod: string | null;
  createdAt: number;
}

/** The client a flow or grant uses, as stored (its secret stays where it is kept: a server secret or a registration). */
export interface GrantClient {
  source: ClientSource;
  clientId: string;
  /** The registration it came from (dynamic registration), else null. */
  registrationId: string | null;
}

/** A consent flow under way: created when someone asks to connect, used once by the callback. */
export interface ConsentFlow {
  /** SHA-256 of `state`: the state itself is only ever in the authorization URL. */
  stateHash: string;
  organizationId: string;
  serverId: string;
  subject: GrantSubject;
  /** Who asked to connect (their key and user). */
  startedByKeyId: string | null;
  startedByUserId: string | null;
  client: GrantClient;
  server: AuthorizationServerFacts;
  /** Encrypted PKCE code verifier. */
  codeVerifierCiphertext: string;
  /** RFC 8707 resource, sent in both the authorization and the token request. */
  resource: string;
  scope: string | null;
  redirectUri: string;
  createdAt: number;
  expiresAt: number;
}

/** `reconnect`: the grant is gone at the authorization server (or its tokens cannot be used). */
export const GRANT_STATUSES = ['active', 'reconnect'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

export interface OAuthGrant {
  id: string;
  organizationId: string;
  serverId: string;
  subject: GrantSubject;
  client: GrantClient;
  server: AuthorizationServerFacts;
  /** The resource the tokens are for: they are sent only there. */
  resource: string;
  /** The scopes granted, space-separated. */
  scope: string | null;
  accessTokenCiphertext: string;
  refreshTokenCiphertext: string | null;
  accessExpiresAt: number | null;
  /** When the current access token was issued: a short-lived token is refreshed at half its life, not a fixed margin before its end. */
  accessIssuedAt: number;
  status: GrantStatus;
  /** Why the grant is not active (the gateway's words). */
  statusReason: string | null;
  /** The scopes a step-up asks for: everything granted plus what the server asked for. */
  neededScope: string | null;
  /** Bumped by every refresh: a refresh lands only on the version it started from. */
  version: number;
  /** While one refresher holds it (any instance), others wait for its result instead of refreshing too. */
  refreshingUntil: number | null;
  connectedAt: number;
  connectedByUserId: string | null;
  updatedAt: number;
}

export const subjectKey = (subject: GrantSubject): string => (subject.kind === 'organization' ? 'organization' : `user:${subject.userId}`);

export function subjectOf(key: string): GrantSubject {
  return key.startsWith('user:') ? { kind: 'user', userId: key.slice('user:'.length) } : { kind: 'organization' };
}
