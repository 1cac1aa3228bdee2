import type { LegacyHttpHandler, McpHandlerRequestOptions } from '@modelcontextprotocol/server';
import type { AgentReplies } from '../../core/proxy/agent-replies';
import type { AgentSession, AgentSessions } from '../../core/proxy/agent-sessions';
import { agentReplyOf, isResponse } from './mcp.agent-relay';
import type { McpTarget } from './mcp.server';

/** What the SDK's factory gets for one request: the target, and the 2025-era session it belongs to, if any. */
export interface McpRequestAuth {
  target: McpTarget;
  session: AgentSession | null;
}

const SESSION_HEADER = 'mcp-session-id';

/**
 * 2025-era serving with sessions any instance can serve. `initialize` is answered by the SDK's
 * stateless serving and opens a session in the shared database (its id in `Mcp-Session-Id`);
 * each later request is served the same way, with the session's declared capabilities, by
 * whichever instance gets it. An agent's answer to a server-to-client request is relayed to the
 * call that asked. DELETE ends a session; GET answers 405 (the gateway sends nothing outside a
 * call). A session presented with another key or on another endpoint does not exist (404, as the
 * 2025 revisions say for an ended session: the agent starts a new one).
 */
export function sessionfulLegacy(legacy: LegacyHttpHandler, sessions: AgentSessions, replies: AgentReplies) {
  return async (request: Request, options: McpHandlerRequestOptions & { target: McpTarget }): Promise<Response> => {
    const { target } = options;
    const keyId = target.principal.keyId;
    const on = targetName(target);
    const presented = request.headers.get(SESSION_HEADER);
    const method = request.method.toUpperCase();
    if (method === 'GET')
      return rpcError(405, -32000, 'Method not allowed: the gateway opens no standalone stream; it sends requests within calls', { Allow: 'POST, DELETE' });
    if (method === 'DELETE') {
      if (!presented) return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return (await sessions.end(presented, keyId, on)) ? new Response(null, { status: 200 }) : sessionNotFound();
    }
    if (method !== 'POST') return rpcError(405, -32000, 'Method not allowed', { Allow: 'POST, DELETE' });

    const body = options.parsedBody;
    if (isInitialize(body)) {
      const response = await legacy(request, withAuth(options, { target, session: null }));
      if (response.status !== 200) return response;
      const params = (body as { params?: { protocolVersion?: unknown; capabilities?: unknown } }).params;
      const id = await sessions.open(keyId, on, String(params?.protocolVersion ?? ''), params?.capabilities);
      const headers = new Headers(response.headers);
      headers.set(SESSION_HEADER, id);
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    }
    const session = presented === null ? null : await sessions.find(presented, keyId, on);
    if (presented !== null && !session) return sessionNotFound();
    if (isResponse(body)) {
      // Answers belong to a session's questions; a malformed one is refused, not relayed.
      if (!session) return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required for a response');
      const reply = agentReplyOf(body);
      if (!reply)
        return rpcError(400, -32600, 'Invalid Request: a response needs the string id the gateway sent, and a result object or an error with code and message');
      await replies.deliver(String(reply.id), keyId, reply);
      return new Response(null, { status: 202 });
    }
    return legacy(request, withAuth(options, { target, session }));
  };
}

export function targetName(target: McpTarget): string {
  return target.kind === 'server' ? `server:${target.scope.server.id}` : `organization:${target.scope.organizationId}`;
}

function withAuth(options: McpHandlerRequestOptions, auth: McpRequestAuth): McpHandlerRequestOptions {
  return { ...options, authInfo: { token: 'gateway-key', clientId: auth.target.principal.keyId, scopes: [], extra: auth as never } };
}

function isInitialize(body: unknown): boolean {
  return body !== null && typeof body === 'object' && (body as { method?: unknown }).method === 'initialize';
}

function sessionNotFound(): Response {
  return rpcError(404, -32001, 'Session not found: it ended, expired, or belongs to another key or endpoint; initialize a new one');
}

function rpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
