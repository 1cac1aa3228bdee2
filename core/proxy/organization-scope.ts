import type { McpServer } from '../model/server';
import { MAX_TOOLS } from '../probe/mcp-probe';
import type { CallContext, ListedTool, ScopeDeps } from './proxy-model';
import { ProxyRefusal } from './refusals';
import { ServerScope } from './server-scope';
import { ambiguousPrefixes, namespacedTool, serverPrefixes, splitNamespaced } from './tool-names';

/** A server the aggregate could not list, named so the agent's user can tell which. */
export interface SkippedServer {
  serverId: string;
  name: string;
  reason: string;
}

/**
 * Every active server of one organization as one MCP server: tools namespaced by server
 * (core/proxy/tool-names.ts), each server's own policy applied as on its own endpoint. Only tools
 * are aggregated: resources and prompts are served by each server's own endpoint.
 */
export class OrganizationScope {
  private readonly scopes: Map<string, ServerScope>;
  private readonly prefixes: Map<string, string>;

  constructor(
    private readonly deps: ScopeDeps,
    readonly organizationId: string,
    servers: McpServer[],
    userId: string | null = null,
  ) {
    const prefixes = serverPrefixes(servers);
    // Two servers with one prefix would make a name ambiguous: neither is served (defence in depth; prefixes are unique by construction).
    const ambiguous = ambiguousPrefixes(prefixes);
    const served = servers.filter((s) => !ambiguous.has(prefixes.get(s.id)!));
    this.scopes = new Map(served.map((s) => [s.id, new ServerScope(deps, s, userId)]));
    this.prefixes = prefixes;
  }

  /** Every server's tools (at most MAX_TOOLS in all), each server listed in parallel (bounded); a server that fails is skipped and named. */
  async listTools(call: CallContext): Promise<{ tools: ListedTool[]; skipped: SkippedServer[] }> {
    const scopes = [...this.scopes.values()];
    const listed: Array<ListedTool[] | SkippedServer> = new Array(scopes.length);
    let next = 0;
    const worker = async () => {
      while (next < scopes.length) {
        const i = next++;
        const scope = scopes[i]!;
        const prefix = this.prefixes.get(scope.server.id)!;
        listed[i] = await scope.allTools(call).then(
          (tools) => tools.map((t) => ({ ...t, name: namespacedTool(prefix, t.name) })),
          (error: Error) => ({ serverId: scope.server.id, name: scope.server.name, reason: error instanceof ProxyRefusal ? error.message : 'listing failed' }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.settings.aggregateFanOut, scopes.length) }, worker));
    const tools = listed
      .filter((l): l is ListedTool[] => Array.isArray(l))
      .flat()
      .slice(0, MAX_TOOLS);
    return { tools, skipped: listed.filter((l): l is SkippedServer => !Array.isArray(l)) };
  }

  /** Calls the namespaced tool on its server, under that server's policy. */
  async callTool(params: Record<string, unknown>, call: CallContext): Promise<unknown> {
    const name = String(params.name);
    const parts = splitNamespaced(name);
    const scope = parts && [...this.scopes.values()].find((s) => this.prefixes.get(s.server.id) === parts.prefix);
    if (!parts || !scope) throw this.unknownTool(name, call);
    let tool = parts.tool;
    if (parts.hashed) {
      const match = (await scope.allTools(call)).find((t) => namespacedTool(parts.prefix, t.name) === name);
      if (!match) throw this.unknownTool(name, call);
      tool = match.name;
    }
    return scope.callTool({ ...params, name: tool }, call);
  }

  /** A name no server of the organization offers: refused, and logged and counted like every call (no server to name). */
  private unknownTool(name: string, call: CallContext): ProxyRefusal {
    this.deps.events.call({
      serverId: '',
      organizationId: this.organizationId,
      keyId: call.principal.keyId,
      method: 'tools/call',
      tool: name,
      toolKnown: false,
      outcome: 'refused',
      rule: 'unknown_tool',
      durationMs: 0,
    });
    return new ProxyRefusal('unknown_tool', { tool: name }, `Unknown tool: '${name}' is not offered by any active server of this organization`);
  }
}
