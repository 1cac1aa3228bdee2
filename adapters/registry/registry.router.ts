import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { AuthenticationRequired, InvalidApiKey, NotFound, OrganizationAccessDenied, ValidationError } from '../../core/errors';
import { belongsTo, type Principal } from '../../core/model/principal';
import type { McpServer } from '../../core/model/server';
import { dialectErrorHandler } from '../shared/error-handler';
import type { InterfaceContext } from '../shared/gateway-interface';
import { principalOf } from '../shared/principal';
import { sendRegistryError } from './registry.errors';
import { registryNames, serverResponse, versionOf } from './registry.views';

const DEFAULT_LIMIT = 30;
const MAX_LIMIT = 100;

/** The headers a browser-based client may send (GitHub Copilot's documented set, and the gateway's key headers). */
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-API-Key, X-API-Secret',
  'Access-Control-Max-Age': '86400',
};

function single(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ValidationError(name, `${name} must be given once`);
  return v;
}

/** The opaque cursor: the last server of a page, by creation order. */
const cursorOf = (s: McpServer) => Buffer.from(`${s.createdAt}:${s.id}`).toString('base64url');

function afterCursor(cursor: string): (s: McpServer) => boolean {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const createdAt = Number(at);
  if (!id || !Number.isSafeInteger(createdAt) || cursorOf({ createdAt, id } as McpServer) !== cursor)
    throw new ValidationError('cursor', 'cursor must be a metadata.nextCursor this registry gave');
  return (s) => s.createdAt > createdAt || (s.createdAt === createdAt && s.id > id);
}

/**
 * Who reads the registry: a registry read token (in the path, for clients that cannot send
 * headers, or as `Authorization: Bearer rt_…`), or a gateway key of any dialect (`X-API-Key` or
 * `Authorization: Bearer`, with `X-API-Secret` for a Zudu pair). Then it must belong to the
 * organization whose registry this is.
 */
function registryAuthentication(context: InterfaceContext): RequestHandler {
  return async (req, res, next) => {
    const org = req.params.org as string;
    const pathToken = req.params.token as string | undefined;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    let principal: Principal | null;
    if (pathToken !== undefined) principal = await context.registryTokens.principalOf(pathToken);
    else if (bearer?.startsWith('rt_')) principal = await context.registryTokens.principalOf(bearer);
    else {
      const key = req.get('x-api-key')?.trim() || bearer;
      if (!key) throw new AuthenticationRequired('A gateway API key or a registry token is required');
      const secret = req.get('x-api-secret')?.trim();
      principal = (await context.apiKeys.signIn(context.keyFormats, secret ? { key, secret } : { key })).principal;
    }
    if (!principal) throw new InvalidApiKey();
    if (!belongsTo(principal, org)) throw new OrganizationAccessDenied(org);
    res.locals.principal = principal;
    next();
  };
}

/** `/registry/{org_id}/v0.1/…` (and `/registry/{org_id}/token/{token}/v0.1/…`): the MCP Registry API, read-only. */
export function registryRouter(context: InterfaceContext): Router {
  const { registry } = context;
  const router = express.Router();
  router.use((req, res, next) => {
    res.set(CORS);
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  });

  const api = express.Router({ mergeParams: true });
  // Logs and metrics name the route by its template: the path holds the organization and maybe a token.
  const template =
    (route: string): RequestHandler =>
    (req, res, next) => {
      res.locals.routeTemplate = `/registry/:org_id${req.params.token === undefined ? '' : '/token/:token'}/v0.1${route}`;
      next();
    };
  api.use(registryAuthentication(context), ...context.afterAuthentication);

  /** Every live server of the organization with its registry name; the active ones are listed. */
  const catalogue = async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const organizationId = req.params.org as string;
    const { items } = await registry.list(principal, { organizationId });
    const names = registryNames(organizationId, items);
    const base = context.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    return { active: items.filter((s) => s.isActive), names, base };
  };
  const byName = async (req: Request, res: Response) => {
    const { active, names, base } = await catalogue(req, res);
    const server = active.find((s) => names.get(s.id) === (req.params.serverName as string));
    if (!server) throw new NotFound('server', req.params.serverName as string);
    return { server, name: names.get(server.id)!, base };
  };

  api.get('/servers', template('/servers'), async (req, res) => {
    const limitText = single(req, 'limit');
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    if (!/^\d+$/.test(limitText ?? '1') || limit < 1 || limit > MAX_LIMIT)
      throw new ValidationError('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
    const search = single(req, 'search')?.toLowerCase();
    const since = single(req, 'updated_since');
    const sinceMs = since === undefined ? undefined : Date.parse(since);
    if (sinceMs !== undefined && Number.isNaN(sinceMs)) throw new ValidationError('updated_since', 'updated_since must be an RFC 3339 date-time');
    const version = single(req, 'version');
    const cursor = single(req, 'cursor');
    const after = cursor ? afterCursor(cursor) : () => true;

    const { active, names, base } = await catalogue(req, res);
    // Search covers names only (the registry's rule): never the upstream URL, which this API does not disclose.
    const matching = active
      .filter((s) => search === undefined || s.name.toLowerCase().includes(search) || names.get(s.id)!.includes(search))
      .filter((s) => sinceMs === undefined || s.updatedAt >= sinceMs)
      .filter((s) => version === undefined || version === 'latest' || versionOf(s) === version)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .filter(after);
    const page = matching.slice(0, limit);
    const more = matching.length > limit;
    res.json({
      servers: page.map((s) => serverResponse(s, names.get(s.id)!, base)),
      metadata: { count: page.length, ...(more ? { nextCursor: cursorOf(page[page.length - 1]!) } : {}) },
    });
  });
  api.get('/servers/:serverName/versions', template('/servers/:serverName/versions'), async (req, res) => {
    const { server, name, base } = await byName(req, res);
    res.json({ servers: [serverResponse(server, name, base)], metadata: { count: 1 } });
  });
  api.get('/servers/:serverName/versions/:version', template('/servers/:serverName/versions/:version'), async (req, res) => {
    const { server, name, base } = await byName(req, res);
    const version = req.params.version as string;
    if (version !== 'latest' && version !== versionOf(server)) return void sendRegistryError(res, { kind: 'NOT_FOUND', detail: 'Server version not found' });
    res.json(serverResponse(server, name, base));
  });

  router.use('/:org/token/:token/v0.1', api);
  router.use('/:org/v0.1', api);
  router.use((_req, res) => sendRegistryError(res, { kind: 'ROUTE_NOT_FOUND', detail: 'Not found: the registry serves /registry/{org_id}/v0.1/servers' }));
  router.use(dialectErrorHandler(context.logger, sendRegistryError));
  return router;
}
