/**
 * A real OAuth 2.1 world for tests of the gateway as an OAuth client of upstream MCP servers:
 * an authorization server (oidc-provider: PKCE S256, RFC 8707 resource indicators, RFC 9207 `iss`,
 * refresh token rotation, RFC 7009 revocation, RFC 7591 DCR, Client ID Metadata Documents), an MCP
 * server protected by it (RFC 9728 metadata, bearer auth, step-up on `insufficient_scope`), and a
 * "browser" that logs in and consents through the provider's development pages.
 *
 * Everything listens on 127.0.0.1 only.
 */
import { generateKeyPair, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import type { Adapter, AdapterPayload, ClientMetadata, Configuration, JWK, KoaContextWithOIDC, default as Provider } from 'oidc-provider';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Loading oidc-provider (ESM only) from a CommonJS test run
// ---------------------------------------------------------------------------------------------

type ProviderModule = { default: typeof Provider };
let providerModule: Promise<ProviderModule> | undefined;

/**
 * oidc-provider 9 is ESM only. Jest (ts-jest, CommonJS) can neither `require` it nor run a dynamic
 * `import()` without --experimental-vm-modules, so it is imported by Node's own loader in the main
 * context (vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER, Node >= 20.12): it lives outside Jest's
 * module registry, once per worker process. Node prints one ExperimentalWarning for it.
 */
function loadOidcProvider(): Promise<ProviderModule> {
  providerModule ??= (() => {
    const script = new vm.Script('(specifier) => import(specifier)', {
      filename: __filename,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    const importInMainContext = script.runInThisContext() as (specifier: string) => Promise<ProviderModule>;
    return importInMainContext(pathToFileURL(require.resolve('oidc-provider')).href);
  })();
  return providerModule;
}

/**
 * The provider runs in Node's main realm, where `{}` and `[]` have other prototypes than in Jest's
 * sandbox, and it insists on plain objects of its own realm (`value.constructor === Object`) in
 * its configuration, in what its callbacks return and in what the adapter finds. `toMainRealm`
 * copies plain objects and arrays into that realm and wraps functions (not classes) so that what
 * they return (or resolve to) is copied too; a class becomes a function of that realm that constructs it.
 */
let mainRealmCopy: (<T>(value: T) => T) | undefined;
function toMainRealm<T>(value: T): T {
  mainRealmCopy ??= new vm.Script(
    `(() => {
      const isClass = (fn) => /^class\\b/.test(Function.prototype.toString.call(fn));
      const isPlain = (value) => {
        const proto = Object.getPrototypeOf(value);
        return proto === null || proto === Object.prototype || (Object.getPrototypeOf(proto) === null && proto.constructor?.name === 'Object');
      };
      const copy = (value) => {
        if (Array.isArray(value)) return Array.from(value, copy);
        if (typeof value === 'function') {
          if (value.__mainRealm) return value;
          // A function made here (the provider checks \`instanceof Function\`); a class is constructed.
          const construct = isClass(value);
          const wrapped = function (...args) {
            const result = construct ? new value(...args) : value.apply(this, args);
            return result && typeof result.then === 'function' ? result.then(copy) : copy(result);
          };
          Object.defineProperty(wrapped, '__mainRealm', { value: true });
          return wrapped;
        }
        if (value === null || typeof value !== 'object' || !isPlain(value)) return value;
        const out = {};
        for (const key of Object.keys(value)) out[key] = copy(value[key]);
        return out;
      };
      return copy;
    })()`,
    { filename: `${__filename}#toMainRealm` },
  ).runInThisContext() as <U>(value: U) => U;
  return mainRealmCopy(value);
}

let signingKey: Promise<JWK> | undefined;
/** One RSA key per worker: ID tokens default to RS256 (only issued if a test asks for `openid`). */
function rsaSigningKey(): Promise<JWK> {
  signingKey ??= new Promise<JWK>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, _publicKey, privateKey) =>
      error ? reject(error) : resolve({ ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'test-rs256', use: 'sig', alg: 'RS256' }),
    ),
  );
  return signingKey;
}

// ---------------------------------------------------------------------------------------------
// Storage: one in-memory store per authorization server
// ---------------------------------------------------------------------------------------------

interface Stored {
  payload: AdapterPayload;
  expiresAt?: number;
}

/** Entries stay findable this long after they expire, so the provider reports "expired" rather than "not found". */
const EXPIRED_GRACE_MS = 60_000;

class MemoryStore {
  readonly entries = new Map<string, Stored>();
  readonly byGrant = new Map<string, Set<string>>();

  get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt + EXPIRED_GRACE_MS <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key: string, payload: AdapterPayload, expiresIn?: number): void {
    this.entries.set(key, { payload: structuredClone(payload), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    if (payload.grantId) {
      const keys = this.byGrant.get(payload.grantId) ?? new Set<string>();
      keys.add(key);
      this.byGrant.set(payload.grantId, keys);
    }
  }

  /** Ends a grant: the grant and every token minted under it (what the provider's own revocation does). */
  revokeGrant(grantId: string): void {
    for (const key of this.byGrant.get(grantId) ?? []) this.entries.delete(key);
    this.byGrant.delete(grantId);
    this.entries.delete(`Grant:${grantId}`);
  }

  /** The payloads stored for one model. */
  *all(model: string): Generator<[string, AdapterPayload]> {
    const prefix = `${model}:`;
    for (const key of [...this.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const payload = this.get(key);
      if (payload) yield [key.slice(prefix.length), payload];
    }
  }
}

/** oidc-provider's adapter interface over one MemoryStore (the provider builds one instance per model). */
function memoryAdapter(store: MemoryStore): new (model: string) => Adapter {
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      store.set(this.key(id), payload, expiresIn);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const payload = store.get(this.key(id));
      return payload ? toMainRealm(structuredClone(payload)) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      for (const [, payload] of store.all(this.model)) if (payload.uid === uid) return toMainRealm(structuredClone(payload));
      return undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      for (const [, payload] of store.all(this.model)) if (payload.userCode === userCode) return toMainRealm(structuredClone(payload));
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      store.entries.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      store.revokeGrant(grantId);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The authorization server
// ---------------------------------------------------------------------------------------------

export interface AuthorizationServerOptions {
  /** Scopes of the protected resources (every resource gets all of them). Default ['mcp:read', 'mcp:write']. */
  scopes?: string[];
  /** Access token lifetime. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Refresh token lifetime. Default 14 days. */
  refreshTokenTtlSeconds?: number;
  /** Dynamic Client Registration (RFC 7591) at /reg. Default on. */
  dcr?: boolean;
  /**
   * Client ID Metadata Documents: an https `client_id` is resolved by calling `fetchDocument(client_id)`
   * (the parsed JSON document, or a fetch Response). Every outgoing fetch of the provider goes through it.
   * `cacheSeconds` (default 0): how long a fetched document is reused.
   */
  cimd?: { fetchDocument(url: string): Promise<unknown>; cacheSeconds?: number };
}

export interface VerifiedToken {
  accountId: string;
  scopes: string[];
  clientId: string;
  /** The audience (RFC 8707 resource) the token was issued for. */
  resource?: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface AuthorizationServerCounts {
  /** POST /token requests received, whatever their grant type or outcome. */
  tokenRequests: number;
  /** Those of them with grant_type=refresh_token. */
  refreshes: number;
  /** POST /token/revocation requests received. */
  revocations: number;
  /** POST /reg requests received (Dynamic Client Registration). */
  registrations: number;
  /** Grants the provider revoked itself (`grant.revoked`): a revoked refresh token, a reused rotated one. */
  grantsRevoked: number;
}

export interface AuthorizationServer {
  /** http://127.0.0.1:<port>, no path. */
  issuer: string;
  /**
   * The oidc-provider instance. It lives in Node's main realm: an object literal written in a test
   * is not a plain object to it (`constructor !== Object`), so prefer the helpers below.
   */
  provider: Provider;
  counts: AuthorizationServerCounts;
  /** Errors the provider answered with server_error. */
  serverErrors: unknown[];
  /**
   * Registers a client as an administrator would. Defaults: a random client_id, grant types
   * authorization_code and refresh_token, response type code, client_secret_basic with a random
   * secret (none: a public client, no secret).
   */
  preRegister(metadata: Partial<ClientMetadata> & { redirect_uris: string[] }): Promise<{ client_id: string; client_secret?: string }>;
  /** Ends the grants of one account (all accounts if omitted) and every token minted under them. */
  revokeAllGrants(accountId?: string): Promise<void>;
  /** An access token as the provider knows it; null if unknown, revoked or expired. */
  verify(token: string): Promise<VerifiedToken | null>;
  close(): Promise<void>;
}

const DAY = 24 * 60 * 60;

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A fetch Response for a CIMD document returned by the test (or the test's own Response). */
function documentResponse(document: unknown, cacheSeconds: number): Response {
  if (document instanceof Response || (typeof document === 'object' && document !== null && 'status' in document && 'headers' in document)) {
    return document as Response;
  }
  return new Response(JSON.stringify(document), {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': `max-age=${cacheSeconds}` },
  });
}

/**
 * Starts oidc-provider on http://127.0.0.1:<random port> (issuer = that origin). The development
 * login page accepts any login (it becomes the accountId) and any password.
 */
export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<AuthorizationServer> {
  const [{ default: OidcProvider }, key] = await Promise.all([loadOidcProvider(), rsaSigningKey()]);
  const scopes = options.scopes ?? ['mcp:read', 'mcp:write'];
  const accessTokenTTL = options.accessTokenTtlSeconds ?? 3600;
  const refreshTokenTTL = options.refreshTokenTtlSeconds ?? 14 * DAY;
  const cimd = options.cimd;
  const cacheSeconds = cimd?.cacheSeconds ?? 0;
  const store = new MemoryStore();
  const counts: AuthorizationServerCounts = { tokenRequests: 0, refreshes: 0, revocations: 0, registrations: 0, grantsRevoked: 0 };
  const serverErrors: unknown[] = [];

  const http = createServer();
  const port = await listen(http);
  const issuer = `http://127.0.0.1:${port}`;

  const configuration: Configuration = {
    adapter: memoryAdapter(store),
    clients: [],
    jwks: { keys: [key] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // OAuth only: the resource scopes come from getResourceServerInfo.
    scopes: ['openid', 'offline_access'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    // A refresh token whenever the client may use the refresh_token grant (no offline_access needed).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Tokens outlive the browser session that produced them.
    expiresWithSession: async () => false,
    clientBasedCORS: () => true,
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: refreshTokenTTL + DAY,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: refreshTokenTTL,
      Session: 14 * DAY,
    },
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      registration: { enabled: options.dcr !== false },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => ({
          scope: scopes.join(' '),
          audience: resource,
          accessTokenFormat: 'opaque',
          accessTokenTTL,
        }),
      },
      clientIdMetadataDocument: {
        enabled: cimd !== undefined,
        ack: 'draft-02',
        cacheDuration: { min: cacheSeconds, max: cacheSeconds },
      },
    },
    ...(cimd
      ? {
          // The provider fetches CIMD documents (and nothing else a test configures) through this.
          fetch: async (url: URL | string) => documentResponse(await cimd.fetchDocument(String(url)), cacheSeconds),
        }
      : {}),
  } as Configuration;

  let provider: Provider;
  // The provider warns on every construction that devInteractions are for development: known here.
  const mainConsole = new vm.Script('console').runInThisContext() as Console;
  const warn = mainConsole.warn;
  mainConsole.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('devInteractions is enabled')) warn.apply(mainConsole, args);
  };
  try {
    provider = new OidcProvider(issuer, toMainRealm(configuration));
  } catch (error) {
    await closeServer(http);
    throw error;
  } finally {
    mainConsole.warn = warn;
  }
  provider.on('server_error', (_ctx: unknown, error: unknown) => serverErrors.push(error));
  provider.on('grant.revoked', () => {
    counts.grantsRevoked += 1;
  });
  // Token requests are handled one at a time, as a store that consumes refresh tokens atomically
  // would: of two concurrent uses of one refresh token, the second always sees it consumed (and the
  // grant is revoked) instead of both reading it before either consumes it.
  let tokenEndpoint: Promise<void> = Promise.resolve();
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => {
    const post = ctx.method === 'POST';
    if (post && ctx.path === '/token/revocation') counts.revocations += 1;
    if (post && ctx.path === '/reg') counts.registrations += 1;
    if (!(post && ctx.path === '/token')) return void (await next());
    counts.tokenRequests += 1;
    const previous = tokenEndpoint;
    let done = () => {};
    tokenEndpoint = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await previous;
      await next();
    } finally {
      done();
    }
    const oidc = ctx.oidc as { params?: { grant_type?: unknown }; body?: { grant_type?: unknown } } | undefined;
    if ((oidc?.params?.grant_type ?? oidc?.body?.grant_type) === 'refresh_token') counts.refreshes += 1;
  });
  http.on('request', provider.callback());

  return {
    issuer,
    provider,
    counts,
    serverErrors,
    async preRegister(metadata) {
      const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
      const client: ClientMetadata = {
        client_id: `static-${randomUUID()}`,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        ...metadata,
        token_endpoint_auth_method: method,
      };
      if (method !== 'none' && client.client_secret === undefined) client.client_secret = randomBytes(24).toString('base64url');
      await provider.Client.validate(toMainRealm(client));
      store.set(`Client:${client.client_id}`, client as AdapterPayload);
      return { client_id: client.client_id, ...(client.client_secret !== undefined ? { client_secret: client.client_secret } : {}) };
    },
    async revokeAllGrants(accountId) {
      for (const [grantId, grant] of [...store.all('Grant')]) {
        if (accountId === undefined || grant.accountId === accountId) store.revokeGrant(grantId);
      }
    },
    async verify(token) {
      const found = await provider.AccessToken.find(token);
      if (!found || found.isExpired || found.clientId === undefined || found.exp === undefined) return null;
      const audience = (found as { aud?: string | string[] }).aud;
      const resource = Array.isArray(audience) ? audience[0] : audience;
      return {
        accountId: found.accountId,
        scopes: (found.scope ?? '').split(' ').filter(Boolean),
        clientId: found.clientId,
        ...(resource !== undefined ? { resource } : {}),
        expiresAt: found.exp,
      };
    },
    close: () => closeServer(http),
  };
}

// ---------------------------------------------------------------------------------------------
// The protected MCP server
// ---------------------------------------------------------------------------------------------

export interface ProtectedMcpServerOptions {
  authorizationServer: Pick<AuthorizationServer, 'issuer' | 'verify'>;
  /** Scopes every request needs. Default ['mcp:read']. */
  requiredScopes?: string[];
  /** Tools that need one more scope (step-up). Default { admin_action: 'mcp:write' }. */
  toolScopes?: Record<string, string>;
  /**
   * `challenge` (default): 401/403 challenges carry resource_metadata. `well-known-only`: they do
   * not, and clients must find the metadata at the RFC 9728 well-known URL.
   */
  advertiseMetadataAt?: 'challenge' | 'well-known-only';
  /** Default '/mcp'. */
  resourcePath?: string;
  /** The metadata's authorization_servers. Default [authorizationServer.issuer]. */
  authorizationServers?: string[];
  /** The metadata's scopes_supported. Default: requiredScopes and the tool scopes. */
  scopesSupported?: string[];
}

export interface ProtectedMcpServer {
  /** http://127.0.0.1:<port><resourcePath>: the resource (RFC 8707) tokens must be issued for. */
  url: string;
  port: number;
  /** The Protected Resource Metadata URL (/.well-known/oauth-protected-resource<resourcePath>). */
  prmUrl: string;
  /** The Authorization header of every request to the MCP endpoint ('' when missing). */
  authorizations: string[];
  /** Every header value of every request to the MCP endpoint, joined (what any request carried). */
  headerValues: string[];
  /** Requests received, metadata included. */
  hits: number;
  /** Requests for the Protected Resource Metadata. */
  metadataHits: number;
  close(): Promise<void>;
}

interface JsonRpcCall {
  method?: unknown;
  params?: { name?: unknown };
}

/**
 * An MCP server (official SDK, createMcpHandler, stateless: 2025 and 2026 clients) behind bearer
 * auth checked against the authorization server. Tools: `whoami` (`account=<id> scopes=<scopes>`)
 * and `admin_action` (`done`, needs mcp:write by default: 403 insufficient_scope otherwise).
 */
export async function startProtectedMcpServer(options: ProtectedMcpServerOptions): Promise<ProtectedMcpServer> {
  const as = options.authorizationServer;
  const requiredScopes = options.requiredScopes ?? ['mcp:read'];
  const toolScopes = options.toolScopes ?? { admin_action: 'mcp:write' };
  const resourcePath = options.resourcePath ?? '/mcp';
  const challenge = (options.advertiseMetadataAt ?? 'challenge') === 'challenge';
  const state = { authorizations: [] as string[], headerValues: [] as string[], hits: 0, metadataHits: 0 };

  const http = createServer();
  const port = await listen(http);
  const url = `http://127.0.0.1:${port}${resourcePath}`;
  const prmUrl = getOAuthProtectedResourceMetadataUrl(new URL(url));

  const handler = createMcpHandler(
    (context) => {
      // The verified token, passed by toNodeHandler from req.auth (set by requireBearerAuth).
      const auth = context.authInfo;
      const server = new McpServer({ name: 'protected-upstream', version: '1.0.0' });
      server.registerTool('whoami', { description: 'Who the token belongs to', inputSchema: z.object({}) }, async (_args, ctx) => {
        const info = ctx.http?.authInfo ?? auth;
        const account = (info?.extra as { accountId?: string } | undefined)?.accountId ?? '';
        return { content: [{ type: 'text', text: `account=${account} scopes=${(info?.scopes ?? []).join(' ')}` }] };
      });
      server.registerTool('admin_action', { description: 'Needs mcp:write', inputSchema: z.object({}) }, async () => ({
        content: [{ type: 'text', text: 'done' }],
      }));
      return server;
    },
    { legacy: 'stateless' },
  );
  const mcp = toNodeHandler(handler);

  const verifier = {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const verified = await as.verify(token);
      if (!verified) throw new InvalidTokenError('Unknown, revoked or expired token');
      if (verified.resource !== url) throw new InvalidTokenError(`Token was issued for ${verified.resource ?? 'no resource'}, not ${url}`);
      return {
        token,
        clientId: verified.clientId,
        scopes: verified.scopes,
        expiresAt: verified.expiresAt,
        resource: new URL(verified.resource),
        extra: { accountId: verified.accountId },
      };
    },
  };

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, _res, next) => {
    state.hits += 1;
    next();
  });
  app.use(
    new URL(prmUrl).pathname,
    (_req, _res, next) => {
      state.metadataHits += 1;
      next();
    },
    // Only the RFC 9728 document (mcpAuthMetadataRouter would also mirror the AS metadata here).
    metadataHandler({
      resource: url,
      authorization_servers: options.authorizationServers ?? [as.issuer],
      scopes_supported: options.scopesSupported ?? [...new Set([...requiredScopes, ...Object.values(toolScopes)])],
      bearer_methods_supported: ['header'],
    }),
  );
  app.use(
    resourcePath,
    (req, _res, next) => {
      state.authorizations.push(req.headers.authorization ?? '');
      state.headerValues.push(JSON.stringify(req.headers));
      next();
    },
    requireBearerAuth({ verifier, requiredScopes, ...(challenge ? { resourceMetadataUrl: prmUrl } : {}) }),
    express.json({ limit: '4mb' }),
    (req, res, next) => {
      const granted = new Set(req.auth?.scopes ?? []);
      const calls: JsonRpcCall[] = Array.isArray(req.body) ? req.body : [req.body ?? {}];
      for (const call of calls) {
        if (call?.method !== 'tools/call' || typeof call.params?.name !== 'string') continue;
        const needed = toolScopes[call.params.name];
        if (needed === undefined || granted.has(needed)) continue;
        const scope = [...new Set([...requiredScopes, needed])].join(' ');
        const description = `Tool ${call.params.name} needs scope ${needed}`;
        res.set(
          'WWW-Authenticate',
          `Bearer error="insufficient_scope", scope="${scope}"${challenge ? `, resource_metadata="${prmUrl}"` : ''}, error_description="${description}"`,
        );
        res.status(403).json({ error: 'insufficient_scope', error_description: description, scope });
        return;
      }
      next();
    },
    (req, res) => {
      void mcp(req, res, req.body);
    },
  );
  http.on('request', app);

  return {
    url,
    port,
    prmUrl,
    authorizations: state.authorizations,
    headerValues: state.headerValues,
    get hits() {
      return state.hits;
    },
    get metadataHits() {
      return state.metadataHits;
    },
    close: () => closeServer(http),
  };
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAt?: number;
}

/** Just enough of a browser's cookie jar: host-only cookies, paths, expiry. */
export class CookieJar {
  private cookies: Cookie[] = [];

  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), host: url.host, path: '/' };
      for (const attribute of attributes) {
        const [rawName = '', ...rest] = attribute.split('=');
        const name = rawName.trim().toLowerCase();
        const value = rest.join('=').trim();
        if (name === 'path' && value.startsWith('/')) cookie.path = value;
        else if (name === 'expires') cookie.expiresAt ??= Date.parse(value);
        else if (name === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path));
      if (cookie.expiresAt === undefined || cookie.expiresAt > Date.now()) this.cookies.push(cookie);
    }
  }

  header(url: URL): string {
    const now = Date.now();
    return this.cookies
      .filter((c) => c.host === url.host && (c.expiresAt === undefined || c.expiresAt > now))
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

export interface BrowserConsentOptions {
  /** The login typed into the development login page: it becomes the accountId. */
  login: string;
  /** Consent (default) or cancel at the consent page (access_denied). */
  approve?: boolean;
  /** Where the browser stops: the client's redirect. Default: any URL off the authorization server's origin. */
  isClientRedirect?: (url: URL) => boolean;
  /** Reuse a browser (its session cookie may skip login and consent). Default: a fresh jar. */
  jar?: CookieJar;
}

function htmlDecode(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x2F;|&#47;/g, '/')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  const raw = match?.[2] ?? match?.[3] ?? match?.[4];
  return raw === undefined ? undefined : htmlDecode(raw);
}

/** The first form of a page: its action and its named inputs. */
function parseForm(html: string, base: URL): { action: URL; fields: Record<string, string> } | undefined {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const action = new URL(attribute(form[0].slice(0, form[0].indexOf('>') + 1), 'action') ?? base.href, base);
  const fields: Record<string, string> = {};
  for (const input of form[1]?.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name) fields[name] = attribute(input, 'value') ?? '';
  }
  return { action, fields };
}

/**
 * Drives an authorization request as a browser would (plain fetch, manual redirects, a cookie jar):
 * the development login page (any password), the consent page, then the redirects, and stops at the
 * first redirect to the client (not fetched): the callback URL with code, state and iss (or error).
 */
export async function browserConsent(authorizationUrl: string, options: BrowserConsentOptions): Promise<{ redirectedTo: URL }> {
  const jar = options.jar ?? new CookieJar();
  const start = new URL(authorizationUrl);
  const isClientRedirect = options.isClientRedirect ?? ((url: URL) => url.origin !== start.origin);
  const approve = options.approve ?? true;
  let request: { url: URL; method: 'GET' | 'POST'; body?: URLSearchParams } = { url: start, method: 'GET' };
  const trail: string[] = [];
  for (let step = 0; step < 20; step += 1) {
    trail.push(`${request.method} ${request.url.href}`);
    const response = await fetch(request.url, {
      method: request.method,
      redirect: 'manual',
      headers: {
        accept: 'text/html,application/json',
        ...(request.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(jar.header(request.url) ? { cookie: jar.header(request.url) } : {}),
      },
      ...(request.body ? { body: request.body.toString() } : {}),
    });
    jar.store(request.url, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, request.url);
      if (isClientRedirect(next)) return { redirectedTo: next };
      request = { url: next, method: 'GET' };
      continue;
    }
    const html = await response.text();
    const form = response.ok ? parseForm(html, request.url) : undefined;
    if (form?.fields.prompt === 'login') {
      request = { url: form.action, method: 'POST', body: new URLSearchParams({ ...form.fields, login: options.login, password: 'password' }) };
      continue;
    }
    if (form?.fields.prompt === 'consent') {
      request = approve
        ? { url: form.action, method: 'POST', body: new URLSearchParams(form.fields) }
        : { url: new URL(`${form.action.pathname.replace(/\/$/, '')}/abort`, form.action), method: 'GET' };
      continue;
    }
    throw new Error(`browserConsent: unexpected ${response.status} at ${request.url.href}: ${html.slice(0, 500)}\n${trail.join('\n')}`);
  }
  throw new Error(`browserConsent: too many steps\n${trail.join('\n')}`);
}
