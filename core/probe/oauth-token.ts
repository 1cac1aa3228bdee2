import type { ClientCredentials } from '../model/probe';
import type { FetchLike } from './guarded-fetch';
import { ProbeFailure } from './probe-failure';

/**
 * OAuth 2.0 client-credentials grant (RFC 6749 §4.4), client authenticated with HTTP Basic
 * (§2.3.1). Goes through the same guarded client as the MCP connection.
 */
export async function fetchClientCredentialsToken(fetch: FetchLike, credentials: ClientCredentials): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (credentials.scope) form.set('scope', credentials.scope);
  const basic = basicCredentials(credentials);
  const response = await fetch(credentials.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', Authorization: `Basic ${basic}` },
    body: form.toString(),
    redirect: 'manual',
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProbeFailure({ kind: 'token_refused', status: response.status });
  }
  const body = (await response.json().catch(() => null)) as { access_token?: unknown } | null;
  if (typeof body?.access_token !== 'string' || body.access_token === '') {
    throw new ProbeFailure({ kind: 'token_missing' });
  }
  return body.access_token;
}

/** The HTTP Basic credentials the token request sends: a secret of its own, masked like the others. */
export function basicCredentials(credentials: ClientCredentials): string {
  return Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString('base64');
}
