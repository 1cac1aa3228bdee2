import type { RequestHandler, Response, Router } from 'express';
import type { Logger } from 'pino';
import type { KeyFormat } from '../../core/model/api-key';
import type { ApiKeyService } from '../../core/services/api-keys';
import type { ConsoleSessions } from '../../core/services/console-sessions';
import type { RegistryTokens } from '../../core/services/registry-tokens';
import type { ConnectionTester } from '../../core/services/connection-tester';
import type { McpProxy } from '../../core/services/mcp-proxy';
import type { ApprovalDesk } from '../../core/services/approvals';
import type { AuditTrail } from '../../core/services/audit-trail';
import type { OAuthConnections } from '../../core/services/oauth-connections';
import type { SecretVault } from '../../core/services/secret-vault';
import type { ServerRegistry } from '../../core/services/server-registry';
import type { Problem } from './problem';

/** What the composition root hands every interface when it builds its router. */
export interface InterfaceContext {
  registry: ServerRegistry;
  secrets: SecretVault;
  connections: ConnectionTester;
  apiKeys: ApiKeyService;
  /** The MCP endpoint's use cases. */
  proxy: McpProxy;
  /** Held tool calls and their decisions. */
  approvals: ApprovalDesk;
  /** The audit trail. */
  audit: AuditTrail;
  /** OAuth consent and tokens for upstream servers. */
  oauth: OAuthConnections;
  /** The operator console's sign-in sessions. */
  consoleSessions: ConsoleSessions;
  /** Read tokens of the organizations' MCP registries. */
  registryTokens: RegistryTokens;
  /** MCP_GATEWAY_PUBLIC_URL, or null: links are made from the address each request came to. */
  publicUrl: string | null;
  /** The key formats of every keyed interface mounted (the MCP endpoint accepts each). */
  keyFormats: readonly KeyFormat[];
  logger: Logger;
  /** Check every response against the contract (tests turn this on). */
  validateResponses: boolean;
  /** Run once the caller is known, before the body is read (the per-key rate limit). */
  afterAuthentication: RequestHandler[];
  /** Operations only: what /readyz, /metrics and /docs report. */
  operations: OperationsContext;
}

export interface OperationsContext {
  /** Why the gateway cannot serve now, or null when it can. */
  readiness: () => Promise<string | null>;
  isShuttingDown: () => boolean;
  metrics: { contentType: string; render: () => Promise<string> };
  /** MCP_GATEWAY_METRICS_TOKEN, when set. */
  metricsToken: string | null;
  /** Every interface's published contract, for /openapi and /docs. */
  contracts: ReadonlyArray<{ name: string; title: string }>;
  /** Where each mounted interface starts, for `GET /`. */
  entryPoints: ReadonlyArray<EntryPoint>;
}

/** A link `GET /` gives to an interface: its relation name, its path (or URI template), what it is. */
export interface EntryPoint {
  rel: string;
  href: string;
  title: string;
}

/**
 * One interface of the gateway (a dialect, the operations routes): everything it owns behind one
 * descriptor, which the composition root mounts from its single list (server/interfaces.ts).
 */
export interface GatewayInterface {
  /** Its label in logs and metrics (`dialect`), and its contract's name. */
  name: string;
  /** Where it is mounted. The longest path is mounted first, so `/v1/convai` goes before `/v1`. */
  mountPath: string;
  /** Its API keys, when it authenticates with gateway keys (`keys create --dialect <name>`). */
  keyFormat: KeyFormat | null;
  /**
   * Authenticates with the keys of every keyed interface (the MCP endpoint), so it gets the
   * failed-authentication and per-key limits as they do.
   */
  acceptsGatewayKeys?: boolean;
  /** Where it starts, listed by `GET /`. */
  entryPoint?: EntryPoint;
  /** Its OpenAPI contract (`schemas/<name>.openapi.yaml`), with the title /docs shows. */
  contract: { title: string } | null;
  router(context: InterfaceContext): Router;
  /** Its error body for a problem raised outside its router (parser refusals). */
  errorBody(problem: Problem, requestId: string): { status: number; body: unknown };
  /** Writes a problem raised before its router runs (the failed-authentication limit). */
  sendError(res: Response, problem: Problem): void;
}
