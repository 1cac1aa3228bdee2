import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { inSpan, upstreamAttributes } from '../tracing';
import type { Client } from '@modelcontextprotocol/client';
import type { ProbeOutcome, ProbeTarget } from '../model/probe';
import type { DiscoveredTool } from '../model/server';
import type { ConnectionProbe } from '../ports';
import { ConcurrencyLimit } from './concurrency-limit';
import { guardedHttp, type GuardedHttp, loadHttpClient } from './guarded-fetch';
import type { NetworkGuard } from './network-guard';
import { challengeSeen, classifyFailure, failedOutcome, ProbeFailure, sanitizeMessage } from './probe-failure';
import { challengeFromHeader } from '../oauth/discovery';
import { exceedsDepth, MAX_INPUT_SCHEMA_DEPTH } from '../rules/tool-hash';
import { SecretScrubber } from './secret-scrub';
import { connectUpstream, loadClientSdk } from './upstream-client';

export type { ProbeOutcome, ProbeTarget } from '../model/probe';

export interface ProbeSettings {
  /** The deadline of one probe, counted from when it gets a slot. */
  timeoutMs: number;
  maxConcurrent: number;
  /** Probes one organization may run at once; every organization may use all by default. */
  maxConcurrentPerOrganization?: number;
  /** How long a test may wait for a slot before it is answered `busy`; the probe timeout by default. */
  queueTimeoutMs?: number;
}

/** The most pages of tools/list the gateway follows, in the connection test and on the MCP endpoint. */
export const MAX_TOOL_PAGES = 100;
/** The most tools the gateway keeps of one server, in the connection test and on the MCP endpoint. */
export const MAX_TOOLS = 5000;

/**
 * Connects to an MCP server with the official SDK client, runs initialize and tools/list
 * (following pagination), and always closes what it opened. One deadline bounds all of it; it
 * starts when the probe gets a slot, so time spent waiting behind other tests is never charged
 * to the server. A test that gets no slot in time is `busy`: it never started.
 */
export class McpProbe implements ConnectionProbe {
  private readonly limit: ConcurrencyLimit;

  constructor(
    private readonly guard: NetworkGuard,
    private readonly settings: ProbeSettings,
    private readonly onOutcome: (outcome: ProbeOutcome) => void = () => undefined,
  ) {
    this.limit = new ConcurrencyLimit(
      settings.maxConcurrent,
      Math.min(settings.maxConcurrentPerOrganization ?? settings.maxConcurrent, settings.maxConcurrent),
    );
  }

  /** Probes holding a slot right now. */
  get active(): number {
    return this.limit.inUse;
  }

  async probe(target: ProbeTarget): Promise<ProbeOutcome> {
    const outcome = await inSpan('mcp probe', { kind: SpanKind.CLIENT, attributes: upstreamAttributes(target.url, target.transport) }, async (span) => {
      const result = await this.run(target);
      span.setAttribute('mcp_gateway.probe.outcome', result.success ? 'connected' : (result.failureClass ?? 'failed'));
      if (result.protocolVersion) span.setAttribute('mcp.protocol.version', result.protocolVersion);
      if (!result.success) span.setStatus({ code: SpanStatusCode.ERROR });
      return result;
    });
    this.onOutcome(outcome);
    return outcome;
  }

  private async run(target: ProbeTarget): Promise<ProbeOutcome> {
    // The SDK and the HTTP client load on the first probe (most processes never run one), before
    // its deadline starts: loading modules is not the server's time.
    const [sdk] = await Promise.all([loadClientSdk(), loadHttpClient()]);
    const queueTimeoutMs = this.settings.queueTimeoutMs ?? this.settings.timeoutMs;
    try {
      await this.limit.acquire(AbortSignal.timeout(queueTimeoutMs), target.organizationId);
    } catch {
      return failedOutcome(new ProbeFailure({ kind: 'busy', queueTimeoutMs }), 0);
    }
    const started = performance.now();
    const deadline = AbortSignal.timeout(this.settings.timeoutMs);
    const elapsed = () => Math.round(performance.now() - started);
    const secrets = [...target.secrets];
    let http: GuardedHttp | null = null;
    let client: Client | null = null;
    try {
      http = await guardedHttp(this.guard, deadline, this.settings.timeoutMs, { traceTo: target.url });
      const connection = http;
      const result = await withDeadline(deadline, async () => {
        const options = { signal: deadline, timeout: this.settings.timeoutMs };
        client = await connectUpstream(sdk, target, connection.fetch, { ...options, failures: connection.failures, secrets });
        const tools = await listAllTools(client, options);
        return { protocolVersion: client.getNegotiatedProtocolVersion() ?? null, serverInfo: client.getServerVersion() ?? null, tools };
      });
      return { ...scrubbed(result, new SecretScrubber(secrets)), success: true, failureClass: null, failure: null, latencyMs: elapsed() };
    } catch (error) {
      const scrubber = new SecretScrubber(secrets);
      // A secret too short to mask, or still readable once decoded: none of the upstream's own words are shown.
      const words = (text: string) => scrubber.words(text);
      let failure = classifyFailure(error, deadline.aborted, this.settings.timeoutMs, (http as GuardedHttp | null)?.failures ?? [], words);
      // A refusal with a challenge: the connection test may find the server wants OAuth consent.
      const seen = challengeSeen((http as GuardedHttp | null)?.failures ?? []);
      if (failure.reason.kind === 'credentials_refused' && seen) {
        failure = new ProbeFailure({ ...failure.reason, challenge: await challengeFromHeader(seen.header).catch(() => null) }, failure.message);
      }
      return failedOutcome(failure.withMessage(sanitizeMessage(failure.message, scrubber)), elapsed());
    } finally {
      // Close even when the deadline passed: a hanging server must not keep sockets open.
      await (client as Client | null)?.close().catch(() => undefined);
      await (http as GuardedHttp | null)?.close().catch(() => undefined);
      this.limit.release(target.organizationId);
    }
  }
}

async function listAllTools(client: Client, options: { signal: AbortSignal; timeout: number }): Promise<DiscoveredTool[]> {
  const tools: DiscoveredTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page += 1) {
    // One page per request (the SDK's listTools without a cursor walks and caches every page itself).
    const result = checkedToolPage(await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, UNPARSED, options), probeFailure);
    for (const tool of result.tools) {
      if (tools.length >= MAX_TOOLS) return tools;
      // Checked without recursion before anything walks the schema recursively (scrubbing, hashing, storing).
      if (exceedsDepth(tool.inputSchema, MAX_INPUT_SCHEMA_DEPTH)) {
        throw new ProbeFailure({ kind: 'schema_too_deep', limit: MAX_INPUT_SCHEMA_DEPTH });
      }
      tools.push({ name: tool.name, description: tool.description ?? null, inputSchema: tool.inputSchema });
    }
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/**
 * The SDK's own result schema walks a tool's input schema recursively, so an upstream's
 * 5,000-level schema would overflow the stack before the depth bound is checked: the page is
 * taken as it came and checked here, the depth first, without recursion.
 */
export const UNPARSED = { '~standard': { version: 1 as const, vendor: 'mcp-gateway', validate: (value: unknown) => ({ value }) } };

export interface ToolPage {
  tools: Array<Record<string, unknown> & { name: string; description?: string; inputSchema: Record<string, unknown> }>;
  nextCursor?: string;
}

/**
 * A tools/list page as the upstream sent it, checked for the shape the gateway relies on (the
 * depth first, without recursion). `fail` makes each caller's error: the probe's failure, the
 * MCP endpoint's refusal; `tooDeep` says the depth bound was the rule broken.
 */
export function checkedToolPage(page: unknown, fail: (what: string, tooDeep: boolean) => Error): ToolPage {
  const { tools, nextCursor } = (page ?? {}) as { tools?: unknown; nextCursor?: unknown };
  if (!Array.isArray(tools)) throw fail('tools/list answered without a tools array', false);
  for (const tool of tools as Array<Record<string, unknown> | null>) {
    if (exceedsDepth(tool, MAX_INPUT_SCHEMA_DEPTH + 2)) throw fail(`a tool's schema nests deeper than ${MAX_INPUT_SCHEMA_DEPTH} levels`, true);
    if (typeof tool?.name !== 'string') throw fail('tools/list answered a tool without a name', false);
    if (tool.description !== undefined && typeof tool.description !== 'string')
      throw fail(`tools/list answered a description of ${tool.name} that is not text`, false);
    if (tool.inputSchema === null || typeof tool.inputSchema !== 'object') throw fail(`tools/list answered no input schema for ${tool.name}`, false);
  }
  if (nextCursor !== undefined && typeof nextCursor !== 'string') throw fail('tools/list answered a cursor that is not text', false);
  return { tools: tools as ToolPage['tools'], nextCursor };
}

/** The probe's failures for a page it cannot use: a schema too deep is a failure of its own kind; the rest are the server not speaking MCP. */
const probeFailure = (what: string, tooDeep: boolean): Error =>
  tooDeep ? new ProbeFailure({ kind: 'schema_too_deep', limit: MAX_INPUT_SCHEMA_DEPTH }) : new Error(what);

interface Listed {
  protocolVersion: string | null;
  serverInfo: { name: unknown; version: unknown } | null;
  tools: DiscoveredTool[];
}

/**
 * What an upstream answered, with every secret the probe sent scrubbed out, before anything is
 * stored or returned. A tool whose name carries a secret is withheld: a masked name would be a
 * different tool (approvals and allowed_tools match names).
 */
function scrubbed(result: Listed, scrubber: SecretScrubber): Pick<ProbeOutcome, 'message' | 'protocolVersion' | 'serverInfo' | 'tools'> {
  const tools = result.tools
    .filter((tool) => !scrubber.carries(tool.name))
    .map((tool) => ({
      name: tool.name,
      description: tool.description === null ? null : scrubber.field(tool.description),
      inputSchema: scrubber.json(tool.inputSchema),
    }));
  const withheld = result.tools.length - tools.length;
  const info = result.serverInfo ? { name: scrubber.field(String(result.serverInfo.name)), version: scrubber.field(String(result.serverInfo.version)) } : null;
  return {
    message: `Connected; ${tools.length} tool(s) available${withheld ? `; ${withheld} withheld because ${withheld === 1 ? 'its name carries' : 'their names carry'} a credential the gateway sent` : ''}`,
    protocolVersion: result.protocolVersion === null ? null : scrubber.field(result.protocolVersion),
    serverInfo: info,
    tools,
  };
}

/** Runs `work`, but gives up as soon as the deadline passes, even if `work` ignores the signal. */
function withDeadline<T>(deadline: AbortSignal, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadline.reason);
    if (deadline.aborted) return onAbort();
    deadline.addEventListener('abort', onAbort, { once: true });
    work()
      .then(resolve, reject)
      .finally(() => deadline.removeEventListener('abort', onAbort));
  });
}
