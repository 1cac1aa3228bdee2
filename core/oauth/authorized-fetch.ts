import { usableScope } from './oauth-rules';
import type { UpstreamGrant } from '../model/probe';
import type { FetchLike } from '../probe/guarded-fetch';
import { ProbeFailure } from '../probe/probe-failure';

/**
 * The scope an `insufficient_scope` challenge asks for (RFC 6750 §3), or null when it names
 * none, or names something that is not a scope (it is shown and stored, so it must be one).
 */
function insufficientScope(response: Response): { scope: string | null } | null {
  const header = response.headers.get('www-authenticate') ?? '';
  if (!/error\s*=\s*"?insufficient_scope"?/i.test(header)) return null;
  const scope = /scope\s*=\s*"([^"]*)"/i.exec(header)?.[1] ?? null;
  return { scope: scope !== null && usableScope(scope) ? scope : null };
}

/**
 * The fetch an OAuth server's connection uses: each request to the granted resource's origin
 * carries the grant's current access token, and nothing else does (a token is sent only where it
 * was granted for; the MCP SDK may follow a same-origin redirect, never another origin). A 401
 * renews the token once (a refresh, serialized across instances) and sends the request again; a
 * 403 `insufficient_scope` records the scope the server wants for the next consent and fails
 * the request with a step-up failure. Every token
 * is handed to `sent` as soon as it exists, so it is scrubbed from whatever the upstream says.
 */
export function authorizedFetch(fetch: FetchLike, grant: UpstreamGrant, serverUrl: string, sent: (token: string) => void): FetchLike {
  const origin = new URL(serverUrl).origin;
  const tokens: string[] = [];
  const note = (token: string) => {
    if (!tokens.includes(token)) tokens.push(token);
    sent(token);
  };
  const withToken = (init: RequestInit | undefined, token: string): RequestInit => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', `Bearer ${token}`);
    return { ...init, headers };
  };
  return async (url, init) => {
    if (new URL(String(url)).origin !== origin) return fetch(url, init);
    let token = await grant.token(init?.signal ?? undefined);
    note(token);
    let response = await fetch(url, withToken(init, token));
    if (response.status === 401) {
      await response.body?.cancel().catch(() => undefined);
      token = await grant.renew(token, init?.signal ?? undefined);
      note(token);
      response = await fetch(url, withToken(init, token));
      if (response.status === 401) {
        await response.body?.cancel().catch(() => undefined);
        // Not retried on every call: the grant asks for a reconnect from now on.
        await grant.refused(token);
        throw new ProbeFailure({ kind: 'oauth_reconnect', why: 'the server refused a freshly refreshed access token' });
      }
    }
    if (response.status === 403) {
      const wanted = insufficientScope(response);
      // A "scope" that carries a token the gateway sent is an echo, not a scope: never stored or shown.
      if (wanted?.scope && tokens.some((t) => wanted.scope!.includes(t))) wanted.scope = null;
      if (wanted) {
        await response.body?.cancel().catch(() => undefined);
        await grant.insufficientScope(wanted.scope);
        throw new ProbeFailure({ kind: 'oauth_step_up', scope: wanted.scope ?? 'not named by the server' });
      }
    }
    return response;
  };
}
