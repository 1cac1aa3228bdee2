/**
 * A scriptable authorization server for tests of a misbehaving or hostile one: metadata, DCR, an /authorize that
 * redirects straight back with a code, a /token whose answer the test writes, /revoke. Its tokens
 * are verifiable by startProtectedMcpServer (pass it as `authorizationServer`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { startHttpServer } from './mcp-servers';
import type { VerifiedToken } from './oauth-world';

export interface TokenAnswer {
  status?: number;
  body: unknown;
  raw?: string;
  contentType?: string;
}

export interface FakeAsOptions {
  host?: string;
  /** Overrides of the metadata document (origin = this server). */
  metadata?: (origin: string) => Record<string, unknown>;
  /** The /token answer: default issues a fresh access+refresh token for the requested resource. */
  token?: (form: URLSearchParams, issue: (resource: string | null) => { access_token: string; refresh_token: string }) => TokenAnswer;
  /** Extra routes, tried first: return true when handled. */
  route?: (req: IncomingMessage, res: ServerResponse, body: string, origin: string) => boolean;
}

export interface FakeAs {
  issuer: string;
  port: number;
  tokenRequests: URLSearchParams[];
  revocations: URLSearchParams[];
  registrations: number;
  issued: Map<string, { resource: string | null; account: string }>;
  verify(token: string): Promise<VerifiedToken | null>;
  close(): Promise<void>;
}

export async function startFakeAs(options: FakeAsOptions = {}): Promise<FakeAs> {
  const state = {
    tokenRequests: [] as URLSearchParams[],
    revocations: [] as URLSearchParams[],
    registrations: 0,
    issued: new Map<string, { resource: string | null; account: string }>(),
  };
  let origin = '';
  const issue = (resource: string | null) => {
    const access_token = `at-${randomBytes(12).toString('hex')}`;
    const refresh_token = `rt-${randomBytes(12).toString('hex')}`;
    state.issued.set(access_token, { resource, account: 'fake-user' });
    return { access_token, refresh_token };
  };
  const server = await startHttpServer((req, res, body) => {
    const url = new URL(req.url ?? '/', origin);
    const json = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    if (options.route?.(req, res, body, origin)) return;
    if (url.pathname === '/.well-known/oauth-authorization-server' || url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`,
        revocation_endpoint: `${origin}/revoke`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        ...(options.metadata?.(origin) ?? {}),
      });
    }
    if (url.pathname === '/register' && req.method === 'POST') {
      state.registrations += 1;
      const meta = JSON.parse(body || '{}');
      return json(201, { ...meta, client_id: `fake-client-${state.registrations}` });
    }
    if (url.pathname === '/authorize') {
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', `code-${randomBytes(8).toString('hex')}`);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      back.searchParams.set('iss', origin);
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      state.tokenRequests.push(form);
      const answer = options.token
        ? options.token(form, issue)
        : { body: { ...issue(form.get('resource')), token_type: 'Bearer', expires_in: 3600, scope: 'mcp:read mcp:write' } };
      res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json' });
      res.end(answer.raw ?? JSON.stringify(answer.body));
      return;
    }
    if (url.pathname === '/revoke' && req.method === 'POST') {
      state.revocations.push(new URLSearchParams(body));
      res.writeHead(200).end();
      return;
    }
    json(404, { error: 'not_found' });
  }, options.host);
  origin = `http://${options.host ?? '127.0.0.1'}:${server.port}`;
  return {
    issuer: origin,
    port: server.port,
    tokenRequests: state.tokenRequests,
    revocations: state.revocations,
    get registrations() {
      return state.registrations;
    },
    issued: state.issued,
    async verify(token) {
      const found = state.issued.get(token);
      if (!found) return null;
      return {
        accountId: found.account,
        scopes: ['mcp:read', 'mcp:write'],
        clientId: 'fake',
        ...(found.resource ? { resource: found.resource } : {}),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      };
    },
    close: () => server.close(),
  };
}

/** Follows an authorization URL of the fake AS (or any AS that redirects at once) back to a callback path+query. */
export async function followAuthorize(authorizationUrl: string): Promise<URL> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  await response.body?.cancel();
  const location = response.headers.get('location');
  if (!location) throw new Error(`no redirect from ${authorizationUrl}: ${response.status}`);
  return new URL(location, authorizationUrl);
}
