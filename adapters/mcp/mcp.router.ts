import { createMcpHandler, isLegacyRequest, legacyStatelessFallback } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import express, { type Request, type Response, type Router } from 'express';
import type { InterfaceContext } from '../shared/gateway-interface';
import { REQUEST_BODY_LIMIT, REQUEST_BODY_LIMIT_BYTES } from '../shared/openapi';
import { principalOf } from '../shared/principal';
import { mcpAuthentication } from './mcp.auth';
import { dialectErrorHandler } from '../shared/error-handler';
import { BATCH_REFUSED, MAX_MESSAGE_DEPTH, sendMcpError, TOO_DEEP } from './mcp.errors';
import { exceedsDepth } from '../../core/rules/tool-hash';
import { type DecisionLinks, type McpTarget, serverFor } from './mcp.server';
import { type McpRequestAuth, sessionfulLegacy } from './mcp.sessions';
import { ownerOf } from '../../core/proxy/agent-replies';

export type McpDeps = Pick<InterfaceContext, 'proxy' | 'apiKeys' | 'keyFormats' | 'logger'> &
  Partial<Pick<InterfaceContext, 'afterAuthentication' | 'publicUrl'>>;

/**
 * `/mcp/{server_id}` and `/mcp/orgs/{organization_id}`: Streamable HTTP for both protocol eras,
 * served by the official SDK: 2026-07-28 requests per request (`createMcpHandler`), 2025-era
 * requests per request too (its stateless serving), with sessions kept in the shared database
 * (mcp.sessions.ts), so any instance serves any request. The key and the target are settled
 * here, before the SDK sees the message.
 */
export function mcpRouter(deps: McpDeps): Router {
  const router = express.Router();
  const { proxy } = deps;
  // Every request reaches the SDK through `serve` below, which always sets the target.
  const factory = (ctx: { authInfo?: { extra?: unknown } }) => {
    const { target, session } = ctx.authInfo!.extra as McpRequestAuth;
    const agent =
      session?.inputCapabilities && session.idHash
        ? {
            capabilities: session.inputCapabilities,
            replies: proxy.replies,
            owner: ownerOf(target.principal.keyId, session.idHash),
            timeoutMs: proxy.callTimeoutMs,
          }
        : null;
    return serverFor(target, deps.logger, agent);
  };
  const onerror = (error: Error) => deps.logger.debug({ err: { name: error.name, message: error.message.slice(0, 300) } }, 'MCP endpoint refused a request');
  const modern = createMcpHandler(factory, { legacy: 'reject', maxRequestBodySize: REQUEST_BODY_LIMIT_BYTES, onerror });
  const legacy = sessionfulLegacy(legacyStatelessFallback(factory, onerror, { maxRequestBodySize: REQUEST_BODY_LIMIT_BYTES }), proxy.sessions, proxy.replies);
  const serveNode = toNodeHandler({
    fetch: async (request, options) => {
      const { target } = options!.authInfo!.extra as unknown as McpRequestAuth;
      return (await isLegacyRequest(request, options?.parsedBody)) ? legacy(request, { ...options, target }) : modern.fetch(request, options);
    },
  });
  const serve = async (req: Request, res: Response, target: McpTarget) => {
    const auth: McpRequestAuth = { target, session: null };
    Object.assign(req, { auth: { token: 'gateway-key', clientId: target.principal.keyId, scopes: [], extra: auth } });
    await serveNode(req as never, res as never, req.body);
  };

  router.use(mcpAuthentication(deps.apiKeys, deps.keyFormats));
  if (deps.afterAuthentication?.length) router.use(...deps.afterAuthentication);
  router.use(express.json({ limit: REQUEST_BODY_LIMIT }));
  // A batch would carry any number of calls past the per-key limit in one request; MCP 2025-06-18
  // removed batching, and the current revision has none.
  router.use((req, res, next) => {
    if (Array.isArray(req.body)) return sendMcpError(res, BATCH_REFUSED);
    if (exceedsDepth(req.body, MAX_MESSAGE_DEPTH)) return sendMcpError(res, TOO_DEEP);
    next();
  });

  router.all('/orgs/:organization_id', async (req, res) => {
    const principal = principalOf(res);
    const scope = await deps.proxy.organization(principal, String(req.params.organization_id));
    await serve(req, res, { kind: 'organization', scope, principal, links: linksFor(req, deps.publicUrl ?? null) });
  });
  router.all('/:server_id', async (req, res) => {
    const principal = principalOf(res);
    const scope = await deps.proxy.server(principal, String(req.params.server_id));
    await serve(req, res, { kind: 'server', scope, principal, links: linksFor(req, deps.publicUrl ?? null) });
  });

  router.use(dialectErrorHandler(deps.logger, sendMcpError));
  return router;
}

/**
 * Where people decide on held calls: MCP_GATEWAY_PUBLIC_URL, or else the address this request came
 * to (the agent's user reached the gateway there).
 */
function linksFor(req: Request, publicUrl: string | null): DecisionLinks {
  const base = publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return {
    aitronos: (id) => `${base}/v1/approval-requests/${encodeURIComponent(id)}`,
    zudu: (id) => `${base}/api/approval-requests/${encodeURIComponent(id)}`,
  };
}
