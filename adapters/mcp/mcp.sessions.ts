import type { LegacyHttpHandler, McpHandlerRequestOptions } from '@modelcontextprotocol/server';
import { type AgentReplies, ownerOf } from '../../core/proxy/agent-replies';
import type { AgentSession, AgentSessions } from '../../core/proxy/agent-sessions';
import { agentReplyOf, isObject, isResponse } from './mcp.agent-relay';
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
      // Only a well-formed initialize the SDK accepted opens a session (the SDK answers a malformed one with an error).
      const params = wellFormedInitialize(body);
      if (response.status !== 200 || !params) return response;
      const id = await sessions.open(keyId, on, params.protocolVersion, params.capabilities);
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
      const owner = ownerOf(keyId, session.idHash!);
      if (!replies.issuedTo(String(reply.id), owner)) return rpcError(400, -32600, 'Invalid Request: no request with this id was sent in this session');
      await replies.deliver(String(reply.id), owner, reply);
      return new Response(null, { status: 202 });
    }
    if (!session) return legacy(request, withAuth(options, { target, session }));
    const owner = ownerOf(keyId, session.idHash!);
    const message = body as { method?: unknown; id?: unknown; params?: { requestId?: unknown } };
    // A 2025 cancellation is a notification of its own, which may reach any instance: it is
    // relayed to the request it names, which stops (and with it the upstream call).
    if (message.method === 'notifications/cancelled') {
      const named = message.params?.requestId;
      if (typeof named === 'string' || typeof named === 'number') {
        const id = replies.derivedId(owner, cancelSeed(named));
        await replies.deliver(id, owner, { id, result: {} });
      }
      return new Response(null, { status: 202 });
    }
    if (message.id === undefined || typeof message.method !== 'string') return legacy(request, withAuth(options, { target, session }));
    const cancelled = new AbortController();
    const waiting = replies.expect(replies.derivedId(owner, cancelSeed(message.id as string | number)), owner);
    void waiting.answer.then(() => cancelled.abort());
    try {
      const response = await legacy(
        new Request(request, { signal: AbortSignal.any([request.signal, cancelled.signal]) }),
        withAuth(options, { target, session }),
      );
      return untilBodyEnds(response, () => waiting.cancel());
    } catch (error) {
      waiting.cancel();
      throw error;
    }
  };
}

const cancelSeed = (requestId: string | number) => `cancel:${JSON.stringify(requestId)}`;

/** The response as is, with `done` called once its body has been read to the end (or dropped). */
function untilBodyEnds(response: Response, done: () => void): Response {
  if (!response.body) {
    done();
    return response;
  }
  let called = false;
  const once = () => {
    if (!called) {
      called = true;
      done();
    }
  };
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          once();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        once();
        controller.error(error);
      }
    },
    cancel: async (reason) => {
      once();
      await reader.cancel(reason).catch(() => undefined);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export function targetName(target: McpTarget): string {
  return target.kind === 'server' ? `server:${target.scope.server.id}` : `organization:${target.scope.organizationId}`;
}

function withAuth(options: McpHandlerRequestOptions, auth: McpRequestAuth): McpHandlerRequestOptions {
  return { ...options, authInfo: { token: 'gateway-key', clientId: auth.target.principal.keyId, scopes: [], extra: auth as never } };
}

/** An initialize's params when they are what the spec says (a string version, client info, capabilities), else null. */
function wellFormedInitialize(body: unknown): { protocolVersion: string; capabilities: unknown } | null {
  const params = (body as { params?: unknown }).params as { protocolVersion?: unknown; capabilities?: unknown; clientInfo?: unknown } | undefined;
  if (!isObject(params) || typeof params!.protocolVersion !== 'string' || !isObject(params!.clientInfo)) return null;
  if (params!.capabilities !== undefined && !isObject(params!.capabilities)) return null;
  return { protocolVersion: params!.protocolVersion, capabilities: params!.capabilities };
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
