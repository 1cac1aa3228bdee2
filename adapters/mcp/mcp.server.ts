import { randomUUID } from 'node:crypto';
import { CLIENT_CAPABILITIES_META_KEY, inputRequired, ProtocolError, Server, type Transport } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { Principal } from '../../core/model/principal';
import { GATEWAY_IMPLEMENTATION } from '../../core/probe/upstream-client';
import type { OrganizationScope } from '../../core/proxy/organization-scope';
import type { CallContext } from '../../core/proxy/proxy-model';
import { ApprovalPending, ProxyRefusal, type RefusalRule, UpstreamRpcError } from '../../core/proxy/refusals';
import type { ServerScope } from '../../core/proxy/server-scope';
import type { AgentReplies } from '../../core/proxy/agent-replies';
import { relayedTransport } from './mcp.agent-relay';

/** What one HTTP request reaches: a stored server, or every active server of an organization; and where people decide on held calls. */
export type McpTarget = ({ kind: 'server'; scope: ServerScope } | { kind: 'organization'; scope: OrganizationScope }) & {
  principal: Principal;
  links: DecisionLinks;
};

/** Where a person decides on an approval request, in each dialect's API. */
export interface DecisionLinks {
  aitronos(id: string): string;
  zudu(id: string): string;
}

/** The `requestState` the gateway gives a 2026-07-28 agent whose call is held; its retry names the request. */
const APPROVAL_STATE_PREFIX = 'dev.mcp-gateway/approval:';
/** The key of the gateway's own entry in an `input_required` round. */
const APPROVAL_INPUT_KEY = 'dev.mcp-gateway/approval';

/**
 * The JSON-RPC error codes of the gateway's own refusals (implementation-defined server errors,
 * clear of the codes the 2026-07-28 revision assigns). `unknown_tool` is the spec's own
 * Invalid Params. `data.rule` always names the rule.
 */
export const REFUSAL_CODES: Record<RefusalRule, number> = {
  unknown_tool: -32602,
  tools_disabled: -32030,
  tool_not_allowed: -32030,
  approval_required: -32030,
  tool_stale: -32030,
  approval_denied: -32030,
  approval_expired: -32030,
  call_timeout: -32031,
  concurrency_limit: -32032,
  upstream_unavailable: -32033,
  upstream_invalid: -32034,
  oauth_consent_required: -32035,
};

/** MCP's URLElicitationRequiredError (2025-11-25): the agent shows the user a URL to open. */
const URL_ELICITATION_REQUIRED = -32042;

/** The gateway's own codes (never the spec's `-32602`, which upstreams use for unknown tools too). */
const GATEWAY_CODES = new Set(Object.values(REFUSAL_CODES).filter((code) => code !== -32602));
/** What an upstream's error in the gateway's range becomes: JSON-RPC's implementation-defined server error. */
const UPSTREAM_ERROR_CODE = -32000;

interface HandlerContext {
  mcpReq: {
    signal: AbortSignal;
    notify: (notification: { method: string; params?: Record<string, unknown> }) => Promise<void>;
    /** A 2026-07-28 request's `_meta` envelope (protocol version, client info and capabilities), lifted off its params. */
    envelope?: Record<string, unknown>;
    /** A 2026-07-28 retry's answers and state: the SDK lifts them off the params before the handler runs. */
    inputResponses?: Record<string, unknown>;
    requestState?: () => unknown;
    /** Sends a request to the agent, related to this one (on its stream); resolves with the agent's validated answer. */
    send: (request: { method: string; params?: Record<string, unknown> }, options?: { signal?: AbortSignal; timeout?: number }) => Promise<unknown>;
  };
}

/** A 2025-era session's agent that declared it can answer server-to-client requests, and how its answers come back. */
export interface AgentLink {
  capabilities: Record<string, unknown>;
  replies: AgentReplies;
  /** Who may answer: the key, in this session (ownerOf). */
  owner: string;
  /** How long the agent has to answer one request (MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS). */
  timeoutMs: number;
}

type Params = Record<string, unknown> | undefined;

/** Builds the SDK server instance that serves one request for its target (called by createMcpHandler). */
export async function serverFor(target: McpTarget, logger: Logger, agent: AgentLink | null = null): Promise<Server> {
  const context = (ctx: HandlerContext, params: Params): CallContext => {
    const progressToken = (params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
    const capabilities = ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined;
    const state = ctx.mcpReq.requestState?.();
    return {
      principal: target.principal,
      signal: ctx.mcpReq.signal,
      era: ctx.mcpReq.envelope ? 'modern' : 'legacy',
      approvalState: typeof state === 'string' && state.startsWith(APPROVAL_STATE_PREFIX) ? state.slice(APPROVAL_STATE_PREFIX.length) : undefined,
      decisionUrl: (id) => target.links.aitronos(id),
      inputCapabilities: inputCapabilitiesOf(capabilities),
      agent: agent
        ? {
            capabilities: agent.capabilities,
            ask: (method, askParams) => ctx.mcpReq.send({ method, params: askParams }, { signal: ctx.mcpReq.signal, timeout: agent.timeoutMs }),
          }
        : undefined,
      onProgress:
        progressToken === undefined
          ? undefined
          : (p) => void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, ...p } }).catch(() => undefined),
    };
  };
  const guarded =
    <T>(work: (params: Params, call: CallContext) => Promise<T>) =>
    async (request: { params?: Params }, ctx: HandlerContext): Promise<T> => {
      try {
        return await work(withRetryMaterial(request.params, ctx), context(ctx, request.params));
      } catch (error) {
        const held = error instanceof ApprovalPending ? heldForModernAgent(error, ctx, target.links) : null;
        if (held) return held as T;
        const capabilities = (ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY] ?? agent?.capabilities) as { elicitation?: { url?: unknown } } | undefined;
        throw rendered(error, logger, target.links, capabilities?.elicitation?.url !== undefined);
      }
    };

  if (target.kind === 'organization') {
    const server = newServer({ tools: {} }, agent);
    const scope = target.scope;
    server.setRequestHandler(
      'tools/list',
      guarded(async (_params, call) => {
        const { tools, skipped } = await scope.listTools(call);
        for (const s of skipped)
          logger.warn({ organizationId: scope.organizationId, serverId: s.serverId, reason: s.reason }, 'organization endpoint skipped a server');
        return { tools } as never;
      }),
    );
    server.setRequestHandler(
      'tools/call',
      guarded(async (params, call) => (await scope.callTool(params ?? {}, call)) as never),
    );
    return server;
  }

  const scope = target.scope;
  // Mirror what the upstream offers; if it cannot be reached now, tools alone (their calls will say why).
  const offered = await scope.capabilities().catch(() => null);
  const server = newServer(
    {
      tools: {},
      ...(offered?.resources ? { resources: {} } : {}),
      ...(offered?.prompts ? { prompts: {} } : {}),
      ...(offered?.completions ? { completions: {} } : {}),
    },
    agent,
  );
  server.setRequestHandler(
    'tools/list',
    guarded(async (params, call) => (await scope.listTools(typeof params?.cursor === 'string' ? params.cursor : undefined, call)) as never),
  );
  server.setRequestHandler(
    'tools/call',
    guarded(async (params, call) => (await scope.callTool(params ?? {}, call)) as never),
  );
  const passThrough = (method: string) => guarded(async (params, call) => (await scope.forward(method, params, call)) as never);
  if (offered?.resources) {
    for (const method of ['resources/list', 'resources/templates/list', 'resources/read'] as const) server.setRequestHandler(method, passThrough(method));
  }
  if (offered?.prompts) for (const method of ['prompts/list', 'prompts/get'] as const) server.setRequestHandler(method, passThrough(method));
  if (offered?.completions) server.setRequestHandler('completion/complete', passThrough('completion/complete'));
  return server;
}

/** The SDK server for one request; with an agent that answers server-to-client requests, its transport relays the answers. */
function newServer(capabilities: Record<string, unknown>, agent: AgentLink | null): Server {
  if (!agent) return new Server(GATEWAY_IMPLEMENTATION, { capabilities });
  return new (class extends Server {
    override connect(transport: Transport): Promise<void> {
      return super.connect(relayedTransport(transport, agent.replies, agent.owner));
    }
  })(GATEWAY_IMPLEMENTATION, { capabilities });
}

/**
 * What the agent can answer in an `input_required` round (elicitation, sampling, roots), as its
 * 2026-07-28 request declared: the upstream asks only for what the asking client can give.
 */
function inputCapabilitiesOf(capabilities: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!capabilities) return undefined;
  const kept = Object.fromEntries(Object.entries(capabilities).filter(([name]) => name === 'elicitation' || name === 'sampling' || name === 'roots'));
  return Object.keys(kept).length ? kept : undefined;
}

/**
 * The params as the agent sent them: a 2026-07-28 retry of an `input_required` result carries
 * `inputResponses` and `requestState`, which the upstream that asked must get back verbatim.
 */
function withRetryMaterial(params: Params, ctx: HandlerContext): Params {
  const inputResponses = ctx.mcpReq.inputResponses;
  const requestState = ctx.mcpReq.requestState?.();
  if (inputResponses === undefined && requestState === undefined) return params;
  // The gateway's own round (a held call) is the gateway's: the upstream never sees it.
  if (typeof requestState === 'string' && requestState.startsWith(APPROVAL_STATE_PREFIX)) return params;
  return { ...params, ...(inputResponses === undefined ? {} : { inputResponses }), ...(requestState === undefined ? {} : { requestState }) };
}

/**
 * A held call, for a 2026-07-28 agent that can answer an elicitation: an `input_required` round
 * that says what waits and where to decide (URL mode when the agent supports it), and whose
 * `requestState` names the request, so the retry of the same call passes once it is approved.
 * Null for an agent that cannot answer one: it gets the error, with the same facts.
 */
function heldForModernAgent(held: ApprovalPending, ctx: HandlerContext, links: DecisionLinks): unknown {
  if (!ctx.mcpReq.envelope) return null;
  const elicitation = (ctx.mcpReq.envelope[CLIENT_CAPABILITIES_META_KEY] as { elicitation?: { url?: unknown } } | undefined)?.elicitation;
  if (!elicitation) return null;
  const id = held.approvalRequestId;
  const message = `${held.message}. An admin of the organization or the server's owner decides at ${links.aitronos(id)} (or ${links.zudu(id)}); continue once it is decided.`;
  const request =
    elicitation.url !== undefined
      ? inputRequired.elicitUrl({ message, url: links.aitronos(id) })
      : inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: {} } });
  return inputRequired({ inputRequests: { [APPROVAL_INPUT_KEY]: request }, requestState: `${APPROVAL_STATE_PREFIX}${id}` });
}

/** A refusal or an upstream's JSON-RPC error as the JSON-RPC error the agent gets; anything else is an internal error, logged. */
function rendered(error: unknown, logger: Logger, links: DecisionLinks, urlElicitation = false): ProtocolError {
  if (error instanceof ProxyRefusal && error.rule === 'oauth_consent_required' && error.facts.authorizationUrl && urlElicitation) {
    const elicitation = { mode: 'url', elicitationId: randomUUID(), url: error.facts.authorizationUrl, message: error.message };
    return new ProtocolError(URL_ELICITATION_REQUIRED, error.message, { elicitations: [elicitation], rule: error.rule, ...error.facts });
  }
  if (error instanceof ProxyRefusal) {
    const id = error.facts.approvalRequestId;
    const decide = id && error.facts.status === 'pending' ? { decideAt: { aitronos: links.aitronos(id), zudu: links.zudu(id) } } : {};
    return new ProtocolError(REFUSAL_CODES[error.rule], error.message, { rule: error.rule, ...error.facts, ...decide });
  }
  if (error instanceof UpstreamRpcError) {
    // An upstream answering with one of the gateway's own codes would pass for a gateway refusal:
    // it is passed on as a plain server error, its words and data kept.
    const code = GATEWAY_CODES.has(error.code) ? UPSTREAM_ERROR_CODE : error.code;
    return new ProtocolError(code, error.message, error.data);
  }
  logger.error({ err: { name: (error as Error)?.name, code: (error as { code?: unknown })?.code } }, 'MCP endpoint handler error');
  return new ProtocolError(-32603, 'Internal error in the gateway');
}
