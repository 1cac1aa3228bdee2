/** The one record the gateway keeps per MCP server. Dialects are views of it. */

export const TRANSPORTS = ['sse', 'streamable_http'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const SERVER_TYPES = ['custom', 'streamline', 'personal_connector'] as const;
export type ServerType = (typeof SERVER_TYPES)[number];

export const APPROVAL_POLICIES = ['auto_approve_all', 'require_approval_all', 'require_approval_per_tool'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

export const TOOL_APPROVAL_STATES = ['auto_approved', 'requires_approval'] as const;
export type ToolApprovalState = (typeof TOOL_APPROVAL_STATES)[number];

export const CONNECTION_STATUSES = ['untested', 'connected', 'failed'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/**
 * How the gateway authenticates to the upstream server. Secret material never lives here:
 * only the id of a row in the secrets table.
 */
export type ServerAuth =
  | { type: 'none' }
  | { type: 'bearer'; secretId: string }
  | { type: 'api_key'; headerName: string; secretId: string }
  | { type: 'oauth'; grant: 'client_credentials'; clientId: string; tokenUrl: string; scope: string | null; secretId: string }
  | { type: 'oauth'; grant: 'access_token'; secretId: string }
  /**
   * A user's consent through the authorization-code flow (MCP authorization). The tokens live in
   * the OAuth grants, not here. `clientId` (and `secretId`, its secret, when confidential) is a
   * client an operator registered at the authorization server beforehand; without it the
   * gateway registers itself. `perUser`: each user connects their own account.
   */
  | { type: 'oauth'; grant: 'authorization_code'; perUser: boolean; clientId: string | null; scope: string | null; secretId?: string };

export type AuthType = ServerAuth['type'];

/** The secret the stored auth sends, if any. */
export function authSecretId(auth: ServerAuth): string | null {
  return 'secretId' in auth && auth.secretId !== undefined ? auth.secretId : null;
}

export interface ToolApproval {
  toolName: string;
  toolHash: string;
  state: ToolApprovalState;
}

export interface ToolPolicy {
  enabled: boolean;
  /** null means every tool the server offers. */
  allowedTools: string[] | null;
  approvalPolicy: ApprovalPolicy;
}

export interface DiscoveredTool {
  name: string;
  description: string | null;
  inputSchema: unknown;
}

export interface ConnectionState {
  status: ConnectionStatus;
  lastTestedAt: number | null;
  lastConnectedAt: number | null;
  errorMessage: string | null;
  tools: DiscoveredTool[] | null;
}

/** Request headers sent upstream: names in clear, each value encrypted. */
export type EncryptedHeaders = Record<string, string>;

export interface McpServer {
  id: string;
  organizationId: string;
  ownerId: string | null;
  type: ServerType;
  name: string;
  description: string;
  url: string;
  transport: Transport;
  auth: ServerAuth;
  requestHeaders: EncryptedHeaders;
  /**
   * Who wrote each request-header value (lower-cased name → user id): a value moves to another
   * origin only with someone allowed to manage it. A name missing here (rows from before) counts
   * as the server owner's.
   */
  headerWriters: Record<string, string | null>;
  toolPolicy: ToolPolicy;
  toolApprovals: ToolApproval[];
  isActive: boolean;
  connection: ConnectionState;
  /** Epoch milliseconds; dialects convert at the edge. */
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}
