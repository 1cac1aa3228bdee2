import type { ApprovalPolicy, AuthType, ServerType, ToolApproval, Transport } from './server';

/**
 * Credentials as a caller gives them, in plaintext; which fields apply depends on the auth
 * type. The service validates them against the type and encrypts them before storage.
 */
export interface Credentials {
  token?: string;
  /** A reference to a secret the organization manages (Zudu's `secret_token.secret_id`). */
  secretId?: string;
  apiKey?: string;
  headerName?: string;
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
  scope?: string | null;
  accessToken?: string;
  /** `authorization_code`: a user consents (the other OAuth grants are told apart by their fields). */
  grantType?: string;
  /** Each user connects their own account (authorization-code grant only). */
  perUser?: boolean;
}

export interface AuthInput {
  type: AuthType;
  credentials: Credentials;
}

export interface NewServer {
  organizationId: string;
  type?: ServerType;
  name: string;
  description?: string;
  url: string;
  transport: Transport;
  auth: AuthInput;
  /** Plaintext header values; encrypted by the service. */
  requestHeaders?: Record<string, string>;
  enabled?: boolean;
  allowedTools?: string[] | null;
  approvalPolicy?: ApprovalPolicy;
  /** Imports carry these; the dialects' create requests cannot. */
  toolApprovals?: ToolApproval[];
  isActive?: boolean;
  createdAt?: number;
}

/** A partial change: an absent field keeps its value. */
export interface ServerPatch {
  name?: string;
  description?: string;
  url?: string;
  transport?: Transport;
  /** New credentials; without `type` they are read against the server's current auth type. */
  auth?: { type?: AuthType; credentials: Credentials };
  /**
   * Removes the auth only if it is of this type: a dialect that can see one auth type clears
   * what it sees (Zudu's `secret_token: null` clears a bearer token) and leaves the others alone.
   */
  clearAuthOfType?: AuthType;
  /**
   * The full new set of request headers. A value equal to `REDACTED` keeps the value stored
   * for that header (a client that read the masked view and sent it back).
   */
  requestHeaders?: Record<string, string>;
  enabled?: boolean;
  allowedTools?: string[] | null;
  approvalPolicy?: ApprovalPolicy;
  isActive?: boolean;
  /** Replaces every tool approval (imports); the dialects change them one by one. */
  toolApprovals?: ToolApproval[];
}

/** The mask shown in place of every secret value. */
export const REDACTED = '********';

export const SORT_FIELDS = ['created_at', 'updated_at', 'name'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export interface ServerQuery {
  organizationId: string;
  type?: ServerType;
  isActive?: boolean;
  /** Case-insensitive substring of the name, description or URL. */
  search?: string;
  /** Default: creation order, oldest first. */
  sort?: SortField;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}
