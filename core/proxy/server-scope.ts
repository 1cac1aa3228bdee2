import { sha256Hex as sha256 } from '../digest';
import { SpanKind } from '@opentelemetry/api';
import { inSpan, traceContextCarrier, upstreamAttributes } from '../tracing';
import { ProbeFailure } from '../probe/probe-failure';
import type { ProbeFailureData } from '../model/probe';
import type { DiscoveredTool, McpServer } from '../model/server';
import { exceedsDepth, toolHash } from '../rules/tool-hash';
import { approvalStateOf, callRefusal, nameRefusal, needsDefinition } from '../rules/tool-policy';
import { connectionFingerprint, upstreamTarget } from '../services/upstream-target';
import { checkedToolPage, MAX_TOOL_PAGES, MAX_TOOLS, UNPARSED } from '../probe/mcp-probe';
import { MASK, type SecretScrubber } from '../probe/secret-scrub';
import { APPROVAL_META_KEY, CLIENT_CAPABILITIES_META_KEY, type CallContext, type ListedTool, type ScopeDeps } from './proxy-model';
import { ApprovalPending, policyRefusal, ProxyRefusal, UpstreamRpcError } from './refusals';
import type { ApprovalRequest } from '../model/approval';
import type { ToolRefusalRule } from '../rules/tool-policy';
import { auditEvent } from '../services/audit-trail';
import type { Verdict } from '../services/approvals';
import { type AgentRelay, isJsonRpcAnswer, isTimeout, UpstreamUnavailable, type UpstreamConnection } from './upstream-pool';

/** The refusals that are the policy's (or a decision's) doing, not a failure. */
const REFUSED_BY_POLICY = new Set<string>([
  'tools_disabled',
  'tool_not_allowed',
  'approval_required',
  'tool_stale',
  'unknown_tool',
  'approval_denied',
  'approval_expired',
]);
/** Refusals raised before anything was sent upstream (a full queue, a failed connect). */
const NOT_FORWARDED = new WeakSet<object>();

/** Failures that a consent (a first one, a new one, or one for more scope) resolves. */
const OAUTH_CONSENT = new Set(['oauth_consent_required', 'oauth_reconnect', 'oauth_step_up']);

/** How often a call waiting within itself for a decision looks at the request (any instance may decide it). */
const DECISION_POLL_MS = 250;

/** How deep an upstream answer may nest; deeper is refused before anything walks it recursively. */
const MAX_ANSWER_DEPTH = 128;
/**
 * Characters of one answer searched for credentials once decoded (base64, entities, escapes):
 * the search runs on the event loop at about half a second per MB of crafted text, so one
 * answer may not hold every tenant up. Past it, strings are masked in every known encoding.
 */
const MAX_DECODED_CHARS = 512 * 1024;
/** How much of an upstream error message or progress message is passed on (and searched). */
const MAX_MESSAGE_CHARS = 4096;
/**
 * The requests during which an upstream may ask the agent something. Each such request of an
 * agent that can answer gets an upstream connection of its own (see UpstreamPool.dedicated).
 */
const ASKING_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/**
 * One stored server as agents see it through the gateway, for one downstream message: its tools
 * filtered and marked by the stored policy, calls refused by it before they reach the upstream,
 * and everything else (resources, prompts, completions) passed through. Every upstream answer
 * is depth-checked and scrubbed of every credential the gateway sent.
 */
export class ServerScope {
  /** The pool key of this server's configuration, read once per scope (one downstream message). */
  private key: Promise<string> | null = null;

  constructor(
    private readonly deps: ScopeDeps,
    readonly server: McpServer,
    /** Whose connection this is: a per-user OAuth server sends that user's token. */
    private readonly userId: string | null = null,
  ) {}

  /** What the upstream offers besides tools (tools are always offered: the policy may leave none). */
  async capabilities(): Promise<{ resources: boolean; prompts: boolean; completions: boolean }> {
    const caps = await this.deps.pool.capabilities(await this.poolKey(), () => upstreamTarget(this.deps, this.server, this.userId));
    return { resources: caps.resources !== undefined, prompts: caps.prompts !== undefined, completions: caps.completions !== undefined };
  }

  /** One page of tools (the downstream's cursor is the upstream's), filtered and marked. */
  async listTools(cursor: string | undefined, call: CallContext): Promise<{ tools: ListedTool[]; nextCursor?: string }> {
    if (!this.server.toolPolicy.enabled) return { tools: [] };
    const page = await this.toolPage(cursor, call);
    return { tools: page.tools.filter((t) => nameRefusal(this.server, t.name) === null).map((t) => this.marked(t)), nextCursor: page.nextCursor };
  }

  /** Every tool agents may see, every page, filtered and marked: at most MAX_TOOLS, as the connection test keeps. */
  async allTools(call: CallContext): Promise<ListedTool[]> {
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES && tools.length < MAX_TOOLS; page += 1) {
      const result = await this.listTools(cursor, call);
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return tools.slice(0, MAX_TOOLS);
  }

  /**
   * Forwards a call the policy lets through, or refuses it without reaching the upstream. A
   * per-tool approval is checked against the tool's definition as the upstream states it now.
   */
  async callTool(params: Record<string, unknown>, call: CallContext): Promise<unknown> {
    const name = String(params.name);
    const started = performance.now();
    let approval: ApprovalRequest | null = null;
    const done = async (outcome: 'ok' | 'tool_error' | 'refused' | 'failed', rule: ProxyRefusal['rule'] | null, audited: string, error?: unknown) => {
      const durationMs = Math.round(performance.now() - started);
      this.deps.events.call({
        serverId: this.server.id,
        organizationId: this.server.organizationId,
        keyId: call.principal.keyId,
        method: 'tools/call',
        tool: name,
        toolKnown: (this.server.connection.tools ?? []).some((t) => t.name === name),
        outcome,
        rule,
        durationMs,
      });
      const approvalRequest = approval?.id ?? (error instanceof ProxyRefusal ? (error.facts.approvalRequestId ?? null) : null);
      await this.deps.audit?.record(
        auditEvent(call.principal, this.server.organizationId, this.deps.clock.now(), {
          action: 'mcp.call',
          targetType: 'server',
          targetId: this.server.id,
          outcome: audited,
          detail: { tool: name.slice(0, 255), rule, approvalRequest, durationMs },
        }),
      );
    };
    try {
      const gate = await this.checkCall(name, call);
      const { _meta: _ignored, ...forwarded } = params;
      // A 2026-07-28 retry carrying the upstream's own state continues a call it already let through.
      const continuation = typeof params.requestState === 'string' ? sha256(params.requestState) : undefined;
      if (gate) approval = await this.throughApproval(gate, name, forwarded.arguments, call, continuation);
      const result = (await this.request('tools/call', forwarded, call)) as { isError?: unknown; resultType?: unknown; requestState?: unknown };
      if (approval) {
        const asked = result.resultType === 'input_required' && typeof result.requestState === 'string';
        await this.deps.approvals?.continueWith(approval, asked ? sha256(result.requestState as string) : null);
      }
      await done(result.isError === true ? 'tool_error' : 'ok', null, approval ? 'approved' : 'allowed');
      return result;
    } catch (error) {
      const rule = error instanceof ProxyRefusal ? error.rule : null;
      const refused = rule !== null && REFUSED_BY_POLICY.has(rule);
      const audited =
        error instanceof ApprovalPending
          ? 'held'
          : rule === 'approval_denied'
            ? 'denied'
            : rule === 'approval_expired'
              ? 'expired'
              : refused
                ? 'refused'
                : 'failed';
      // An approval whose call never left the gateway is not spent.
      if (approval && NOT_FORWARDED.has(error as object)) await this.deps.approvals?.release(approval).catch(() => undefined);
      await done(refused ? 'refused' : 'failed', rule, audited, error);
      throw error;
    }
  }

  /** Resources, prompts and completions: passed through under the same tenancy; the tool policy does not apply. */
  forward(method: string, params: Record<string, unknown> | undefined, call: CallContext): Promise<unknown> {
    const { _meta: _ignored, ...forwarded } = params ?? {};
    return this.request(method, forwarded, call);
  }

  /**
   * Refuses a call the policy does not let through; a call that needs a person's approval comes
   * back as a gate (when approvals are on) for throughApproval to settle.
   */
  private async checkCall(name: string, call: CallContext): Promise<{ rule: ToolRefusalRule; tool: DiscoveredTool | null } | null> {
    const byName = nameRefusal(this.server, name);
    if (byName) throw policyRefusal(byName, name, this.server.id);
    const tool = needsDefinition(this.server, name) ? await this.currentDefinition(name, call) : null;
    const rule = callRefusal(this.server, name, tool);
    if (!rule) return null;
    if ((rule === 'approval_required' || rule === 'tool_stale') && this.deps.approvals) return { rule, tool };
    throw policyRefusal(rule, name, this.server.id);
  }

  private async currentDefinition(name: string, call: CallContext): Promise<DiscoveredTool> {
    const current = (await this.allTools(call)).find((t) => t.name === name);
    if (!current) throw new ProxyRefusal('unknown_tool', { tool: name, server: this.server.id }, `Unknown tool: '${name}' is not offered by this server`);
    return { name, description: current.description ?? null, inputSchema: current.inputSchema };
  }

  /**
   * A held call: the approval request for exactly this call (tool, definition hash, arguments,
   * key) is used if approved, or opened. A 2025-era agent that can answer an elicitation is asked
   * to wait for the decision within the call; otherwise the call ends held, and its retry passes
   * once the request is approved.
   */
  private async throughApproval(
    gate: { rule: ToolRefusalRule; tool: DiscoveredTool | null },
    name: string,
    args: unknown,
    call: CallContext,
    continuation?: string,
  ): Promise<ApprovalRequest> {
    const desk = this.deps.approvals!;
    const tool = gate.tool ?? (await this.currentDefinition(name, call));
    const held = { tool: name, toolHash: toolHash(tool.description, tool.inputSchema), arguments: args ?? {} };
    let verdict = await desk.hold(this.server, call.principal, held, call.approvalState, continuation);
    if (verdict.state === 'pending' && call.era !== 'modern' && call.agent?.capabilities.elicitation)
      verdict = await this.waitForDecision(verdict.request, held, call);
    return this.settled(verdict, name, gate.rule === 'tool_stale');
  }

  private settled(verdict: Verdict, name: string, stale: boolean): ApprovalRequest {
    const facts = { tool: name, server: this.server.id, approvalRequestId: verdict.request.id, expiresAt: new Date(verdict.request.expiresAt).toISOString() };
    switch (verdict.state) {
      case 'approved':
        return verdict.request;
      case 'pending':
        throw new ApprovalPending(facts, name, stale);
      case 'denied':
        throw new ProxyRefusal(
          'approval_denied',
          { ...facts, status: 'denied', ...(verdict.request.reason ? { reason: verdict.request.reason } : {}) },
          `Approval request ${verdict.request.id} for this call to '${name}' was denied${verdict.request.reason ? `: ${verdict.request.reason}` : ''}`,
        );
      case 'expired':
        throw new ProxyRefusal(
          'approval_expired',
          { ...facts, status: 'expired' },
          `Approval request ${verdict.request.id} for this call to '${name}' expired undecided (MCP_GATEWAY_APPROVAL_TTL_MS); call again to ask anew`,
        );
    }
  }

  /**
   * Asks a 2025-era agent to wait while a person decides (an elicitation: URL mode pointing at the
   * decision when the agent supports it, a form otherwise), then waits for the decision, within
   * the call's deadline. An agent that declines ends the call held.
   */
  private async waitForDecision(request: ApprovalRequest, held: { tool: string; toolHash: string; arguments: unknown }, call: CallContext): Promise<Verdict> {
    const desk = this.deps.approvals!;
    const deadline = Date.now() + Math.floor(this.deps.settings.callTimeoutMs * 0.9);
    const url = call.decisionUrl?.(request.id);
    const message =
      `Calling '${held.tool}' on '${this.server.name}' needs a person's approval (request ${request.id}, open until ${new Date(request.expiresAt).toISOString()}). ` +
      `An admin of the organization or the server's owner decides${url ? ` at ${url}` : ''}; continue once it is decided.`;
    const elicitation =
      (call.agent!.capabilities.elicitation as { url?: unknown }).url !== undefined && url
        ? { mode: 'url', message, url, elicitationId: request.id }
        : { message, requestedSchema: { type: 'object', properties: {} } };
    const answer = (await call.agent!.ask('elicitation/create', elicitation).catch(() => null)) as { action?: unknown } | null;
    if (answer?.action !== 'accept') return { state: 'pending', request };
    for (;;) {
      const status = await desk.statusOf(request.id);
      if (status !== 'pending' || Date.now() >= deadline || call.signal.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, DECISION_POLL_MS));
    }
    return desk.hold(this.server, call.principal, held, request.id);
  }

  private marked(tool: ListedTool): ListedTool {
    const state = approvalStateOf(this.server, { name: tool.name, description: tool.description ?? null, inputSchema: tool.inputSchema });
    const meta = tool._meta !== null && typeof tool._meta === 'object' ? (tool._meta as Record<string, unknown>) : {};
    return { ...tool, _meta: { ...meta, [APPROVAL_META_KEY]: state } };
  }

  private async toolPage(cursor: string | undefined, call: CallContext): Promise<{ tools: ListedTool[]; nextCursor?: string }> {
    const page = checkedToolPage(await this.request('tools/list', cursor === undefined ? {} : { cursor }, call), (what) => invalid(what));
    // One page holds at most what the gateway keeps of a server. A name the scrubber masked is
    // withheld, as the connection test does: a masked name would be another tool.
    const tools = page.tools.slice(0, MAX_TOOLS).filter((tool) => !tool.name.includes(MASK));
    await this.recordDefinitions(tools);
    return { tools, nextCursor: page.nextCursor };
  }

  /**
   * Stores the definitions the upstream states now over the ones last seen (the record's
   * discovered tools, shown by both dialects' tool views), and reports each that changed.
   */
  private async recordDefinitions(listed: ListedTool[]): Promise<void> {
    const known = new Map((this.server.connection.tools ?? []).map((t) => [t.name, toolHash(t.description, t.inputSchema)]));
    const changed = listed.filter((t) => known.get(t.name) !== toolHash(t.description ?? null, t.inputSchema));
    if (changed.length === 0) return;
    const id = this.server.id;
    const stored = await this.deps.store.transaction(async (tx) => {
      const current = await tx.servers.findById(id, { forUpdate: true });
      if (!current) return null;
      const byName = new Map((current.connection.tools ?? []).map((t) => [t.name, t]));
      // Bounded as the connection test's list is: a known tool is updated, a new one added while there is room.
      for (const t of changed) {
        if (byName.has(t.name) || byName.size < MAX_TOOLS) byName.set(t.name, { name: t.name, description: t.description ?? null, inputSchema: t.inputSchema });
      }
      const connection = { ...current.connection, tools: [...byName.values()] };
      await tx.servers.updateConnection(id, connection);
      return connection;
    });
    if (stored) this.server.connection = stored;
    for (const t of changed) {
      const previousHash = known.get(t.name);
      if (previousHash === undefined) continue;
      this.deps.events.toolChanged({
        serverId: id,
        organizationId: this.server.organizationId,
        tool: t.name,
        previousHash,
        currentHash: toolHash(t.description ?? null, t.inputSchema),
      });
    }
  }

  /** One upstream request, in an organization slot, within the call timeout, its answer checked and scrubbed. */
  private request(method: string, params: Record<string, unknown>, call: CallContext): Promise<unknown> {
    // MCP's OpenTelemetry conventions: `{method} {tool}`, a client span per upstream request; no arguments.
    const tool = method === 'tools/call' && typeof params.name === 'string' ? params.name : null;
    return inSpan(
      tool ? `${method} ${tool}` : method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'mcp.method.name': method,
          ...(tool ? { 'gen_ai.tool.name': tool, 'gen_ai.operation.name': 'execute_tool' } : {}),
          'mcp_gateway.server_id': this.server.id,
          ...upstreamAttributes(this.server.url, this.server.transport),
        },
      },
      () => this.requestUpstream(method, params, call),
    );
  }

  private async requestUpstream(method: string, params: Record<string, unknown>, call: CallContext): Promise<unknown> {
    const agent = this.agentRelay(call, ASKING_METHODS.has(method));
    return this.withConnection(call, agent, async ({ client, scrubber }) => {
      let result: unknown;
      try {
        // The agent's input capabilities ride this request's envelope (the SDK lets a request's own `_meta` keys win),
        // and so does the trace context (`traceparent`, `tracestate`) while tracing is on: 2026-07-28 servers read it there.
        const meta = { ...traceContextCarrier(), ...(call.inputCapabilities ? { [CLIENT_CAPABILITIES_META_KEY]: call.inputCapabilities } : {}) };
        const sent = Object.keys(meta).length ? { ...params, _meta: meta } : params;
        result = await client.request({ method, params: sent } as never, UNPARSED, {
          signal: call.signal,
          timeout: this.deps.settings.callTimeoutMs,
          // A 2026-07-28 agent answers `input_required` itself; for a 2025-era agent the SDK fulfils
          // it through the relay's handlers (the agent is asked as a 2025 server would ask it).
          allowInputRequired: !agent,
          ...(call.onProgress
            ? {
                onprogress: (p: { progress: number; total?: number; message?: string }) =>
                  call.onProgress?.({
                    progress: p.progress,
                    total: p.total,
                    message: typeof p.message === 'string' ? scrubber.field(p.message.slice(0, MAX_MESSAGE_CHARS)) : undefined,
                  }),
              }
            : {}),
        });
      } catch (error) {
        // The grant failed mid-connection (revoked, or the call needs more scope): a consent resolves it.
        const oauth = oauthFailureIn(error);
        // The upstream never ran the call: a held call's approval is not used up.
        if (oauth) throw notForwarded(await this.consentRefusal(oauth.withMessage(scrubbed(scrubber, oauth.message)), call));
        throw this.translated(error, scrubber);
      }
      if (result === null || typeof result !== 'object' || Array.isArray(result)) throw invalid(`${method} answered something that is not a result object`);
      if (exceedsDepth(result, MAX_ANSWER_DEPTH)) throw invalid(`${method} answered JSON nested deeper than ${MAX_ANSWER_DEPTH} levels`);
      const clean = scrubber.json(result, { decodedChars: MAX_DECODED_CHARS });
      // A credential cut into pieces over several fields (two content blocks, say) is whole again once they are read together.
      if (joinedByKey(clean).some((joined) => scrubber.text(joined) !== joined))
        throw invalid(`${method} answered a credential the gateway sent, split over several fields`);
      return clean;
    });
  }

  private poolKey(): Promise<string> {
    if (this.key === null) {
      this.key = connectionFingerprint(this.deps.store, this.server).then(async (f) => `${this.server.id}:${sha256(f)}${await this.grantKey()}`);
    }
    return this.key;
  }

  /**
   * An OAuth server's connections are the grant's: another user's (per-user servers) or a new
   * consent is another connection. A server without a usable grant gets a key of its own per
   * user, so its failure is cached for that user only.
   */
  private async grantKey(): Promise<string> {
    const auth = this.server.auth;
    if (auth.type !== 'oauth' || auth.grant !== 'authorization_code') return '';
    const subject = auth.perUser ? (this.userId === null ? null : ({ kind: 'user', userId: this.userId } as const)) : ({ kind: 'organization' } as const);
    const grant = subject === null ? null : await this.deps.store.oauth.findGrant(this.server.id, subject);
    return `:grant:${grant ? `${grant.id}:${grant.status}` : `none:${this.userId ?? ''}`}`;
  }

  /**
   * The agent as the upstream may ask it: what the upstream sends is checked and scrubbed as its
   * answers are; what the agent answers goes back as the agent sent it (the SDK validated it).
   */
  private agentRelay(call: CallContext, asking: boolean): AgentRelay | undefined {
    const agent = call.agent;
    if (!agent) return undefined;
    if (!asking)
      return {
        capabilities: agent.capabilities,
        ask: async (method) => Promise.reject(new Error(`${method} is relayed to the agent only during ${[...ASKING_METHODS].join(', ')}`)),
        shared: true,
      };
    return {
      capabilities: agent.capabilities,
      ask: async (method, params, scrubber) => {
        if (params !== undefined && exceedsDepth(params, MAX_ANSWER_DEPTH)) throw new Error(`${method} params nested deeper than ${MAX_ANSWER_DEPTH} levels`);
        const clean = params === undefined ? undefined : (scrubber.json(params, { decodedChars: MAX_DECODED_CHARS }) as Record<string, unknown>);
        if (clean !== undefined && joinedByKey(clean).some((joined) => scrubber.text(joined) !== joined))
          throw new Error(`${method} carried a credential the gateway sent, split over several fields`);
        return agent.ask(method, clean);
      },
    };
  }

  private async withConnection<T>(call: CallContext, agent: AgentRelay | undefined, work: (connection: UpstreamConnection) => Promise<T>): Promise<T> {
    const { limit, settings, pool } = this.deps;
    const org = this.server.organizationId;
    try {
      await limit.acquire(AbortSignal.any([call.signal, AbortSignal.timeout(settings.queueTimeoutMs)]), org);
    } catch (error) {
      // The agent went away while waiting: not the limit's doing.
      if (call.signal.aborted) throw error;
      throw notForwarded(
        new ProxyRefusal(
          'concurrency_limit',
          { server: this.server.id, limit: limit.perTenantLimit, setting: 'MCP_GATEWAY_PROXY_CONCURRENCY_PER_ORG' },
          `Too many upstream calls in flight for this organization (limit ${limit.perTenantLimit}, MCP_GATEWAY_PROXY_CONCURRENCY_PER_ORG); retry shortly`,
        ),
      );
    }
    try {
      const target = () => upstreamTarget(this.deps, this.server, this.userId);
      const key = await this.poolKey();
      if (agent && !agent.shared) return await pool.dedicated(key, target, agent, work, call.signal);
      // The upstream may offer an agent that can answer more (a conditional tool): connections are pooled by what they declare.
      const declared = agent ? `:${JSON.stringify(agent.capabilities)}` : '';
      return await pool.use(`${key}${declared}`, target, work, call.signal, agent);
    } catch (error) {
      if (error instanceof UpstreamUnavailable && OAUTH_CONSENT.has(error.failure.reason.kind)) {
        throw notForwarded(await this.consentRefusal(error.failure, call));
      }
      if (error instanceof UpstreamUnavailable) {
        throw notForwarded(
          new ProxyRefusal(
            'upstream_unavailable',
            { server: this.server.id, failureClass: error.failure.failureClass },
            `The upstream MCP server could not be reached (${error.failure.failureClass}): ${error.failure.message}`,
          ),
        );
      }
      throw error;
    } finally {
      limit.release(org);
    }
  }

  /**
   * An OAuth server this caller has no usable grant for. On a per-user server the calling user
   * gets a consent of its own started, and the URL to open (the MCP interface sends it as a URL
   * elicitation where the agent supports one).
   */
  private async consentRefusal(failure: ProbeFailureData, call: CallContext): Promise<ProxyRefusal> {
    const auth = this.server.auth;
    const facts = { server: this.server.id, failureClass: failure.failureClass };
    if (auth.type === 'oauth' && auth.grant === 'authorization_code' && auth.perUser && call.principal.userId !== null && this.deps.grants?.consentUrlFor) {
      const url = await this.deps.grants.consentUrlFor(this.server, call.principal).catch(() => null);
      if (url !== null) {
        return new ProxyRefusal(
          'oauth_consent_required',
          { ...facts, authorizationUrl: url },
          `${failure.message}. To connect your account to '${this.server.name}', open ${url} in a browser (valid for a limited time), then retry`,
        );
      }
    }
    return new ProxyRefusal('oauth_consent_required', facts, failure.message);
  }

  private translated(error: unknown, scrubber: SecretScrubber): Error {
    if (isTimeout(error)) {
      const limitMs = this.deps.settings.callTimeoutMs;
      return new ProxyRefusal(
        'call_timeout',
        { server: this.server.id, limit: limitMs, setting: 'MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS' },
        `The upstream did not answer within ${limitMs} ms (MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS); the call was cancelled upstream`,
      );
    }
    const e = error as { code?: number; message?: string; data?: unknown };
    // Upstream words are cut before they are searched: the search's cost grows with their length.
    const message = String(e.message ?? error).slice(0, MAX_MESSAGE_CHARS);
    if (isJsonRpcAnswer(error)) {
      const data = e.data === undefined || exceedsDepth(e.data, MAX_ANSWER_DEPTH) ? undefined : scrubber.json(e.data, { decodedChars: MAX_DECODED_CHARS });
      return new UpstreamRpcError(e.code!, scrubbed(scrubber, message), data);
    }
    const words = scrubber.words(message);
    return new ProxyRefusal(
      'upstream_unavailable',
      { server: this.server.id, failureClass: 'transport' },
      `The upstream connection failed${typeof words === 'string' ? `: ${words.slice(0, 300)}` : ''}`,
    );
  }
}

/**
 * The string values of JSON data joined per key, in document order (every `text` of every
 * content block as one text, say): where a credential cut over several fields is whole again.
 * Iterative: the depth is already bounded, the breadth is not.
 */
/** An OAuth failure the gateway raised while the SDK sent a request, found under the SDK's error. */
function oauthFailureIn(error: unknown): ProbeFailure | null {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current; depth += 1) {
    if (current instanceof ProbeFailure && OAUTH_CONSENT.has(current.reason.kind)) return current;
    if (current instanceof ProbeFailure) return null;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function joinedByKey(value: unknown): string[] {
  const joined = new Map<string, string>();
  const stack: Array<[string, unknown]> = [['', value]];
  while (stack.length) {
    const [key, node] = stack.pop()!;
    if (typeof node === 'string') joined.set(key, (joined.get(key) ?? '') + node);
    else if (Array.isArray(node)) for (let i = node.length - 1; i >= 0; i -= 1) stack.push([key, node[i]]);
    else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i -= 1) stack.push(entries[i]!);
    }
  }
  return [...joined.values()];
}

function scrubbed(scrubber: SecretScrubber, text: string): string {
  const words = scrubber.words(text);
  return typeof words === 'string' ? words : '[the upstream error message is withheld: it carries a credential the gateway sent]';
}

function invalid(what: string): ProxyRefusal {
  return new ProxyRefusal('upstream_invalid', {}, `The upstream answered with something the gateway does not pass on: ${what}`);
}

function notForwarded(refusal: ProxyRefusal): ProxyRefusal {
  NOT_FORWARDED.add(refusal);
  return refusal;
}
