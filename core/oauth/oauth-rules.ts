import { classifyFailure } from '../probe/probe-failure';

/** The associated data each OAuth ciphertext is bound to: a copy in another row does not decrypt. */
export { flowContext, registrationContext, tokenContext } from '../secrets/contexts';

/** The longest access-token lifetime believed; a longer, negative or non-numeric `expires_in` counts as unknown. */
const MAX_TOKEN_LIFETIME_MS = 366 * 24 * 3_600_000;

/** When a token that lives `expiresIn` seconds from `now` expires, or null when the answer says nothing believable. */
export function expiryOf(expiresIn: unknown, now: number): number | null {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) return null;
  const ms = Math.round(expiresIn * 1000);
  return ms > MAX_TOKEN_LIFETIME_MS ? null : now + ms;
}

/**
 * What a failed token request may say: the OAuth error code, or the gateway's own words for a
 * network failure. Never the authorization server's description: it may echo the code, the
 * verifier or the refresh token the gateway just sent.
 */
export function tokenRequestDetail(error: unknown, related: unknown[]): string {
  const code = (error as { code?: unknown }).code;
  if (error instanceof Error && error.name === 'OAuthError') return `the authorization server answered ${oauthErrorCode(code)}`;
  // A refused destination, a dead socket or a timeout, in the gateway's words.
  const known = classifyFailure(error, false, 0, related);
  if (known.reason.kind !== 'not_mcp' && known.reason.kind !== 'credentials_refused') return known.message;
  return "the authorization server's answer could not be used";
}

/**
 * The error codes of RFC 6749 (§4.1.2.1, §5.2), RFC 8707 and OpenID Connect: only these are
 * quoted. Anything else an authorization server puts in `error` could be what the gateway sent it.
 */
const OAUTH_ERROR_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'invalid_scope',
  'invalid_target',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
  'interaction_required',
  'login_required',
  'consent_required',
  'account_selection_required',
]);

export function oauthErrorCode(code: unknown): string {
  return typeof code === 'string' && OAUTH_ERROR_CODES.has(code) ? code : 'an OAuth error';
}

/** Space-separated scopes, each once, in the order first seen. */
export function scopeUnion(...scopes: Array<string | null | undefined>): string | null {
  const all = [...new Set(scopes.flatMap((s) => (s ? s.split(/\s+/).filter(Boolean) : [])))];
  return all.length ? all.join(' ') : null;
}

/** RFC 6749 §3.3: scope tokens of printable ASCII except space, double quote and backslash, separated by single spaces. */
export const SCOPE_TOKENS = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/** Scope tokens of at most 1024 characters: anything else is neither asked for, stored nor shown. */
export function usableScope(scope: string): boolean {
  return scope.length <= 1024 && SCOPE_TOKENS.test(scope);
}
