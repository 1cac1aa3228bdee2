import type { AuthInput, NewServer } from './input';
import type { ApprovalPolicy, AuthType, McpServer, ToolApproval, Transport } from './server';
import type { StoredSecret } from './secret';

/**
 * One server read from another platform's file, in core terms. Whatever could not be carried
 * over is said in `warnings`, never dropped silently.
 */
export interface ImportCandidate {
  /** Where in the file it came from, e.g. `configurations[3]`. */
  source: string;
  name: string;
  description?: string;
  url: string;
  transport: Transport;
  /** null: the file carries no usable credentials, so the server lands inactive, flagged. */
  auth: AuthInput | null;
  requestHeaders?: Record<string, string>;
  approvalPolicy?: ApprovalPolicy;
  toolApprovals?: ToolApproval[];
  enabled?: boolean;
  allowedTools?: string[] | null;
  isActive?: boolean;
  createdAt?: number;
  warnings: string[];
  /** Set when the entry cannot be imported at all (a stdio server), with the reason. */
  skip?: string;
  /** Set when the entry breaks a rule found while reading it (an instant out of range), with the rule's reason. */
  invalid?: string;
  /**
   * The auth types this entry can say, when not every one: an update keeps a stored auth of
   * another type (and its secret) as it is. `[]`: the entry says nothing about auth.
   */
  expressibleAuth?: AuthType[];
  /**
   * Header names the entry lists without their values (masked, or held by the other platform):
   * a create leaves them out, an update keeps the stored value of each.
   */
  maskedHeaders?: string[];
}

/**
 * Every field a new server can be created with, an import candidate can carry (the organization
 * and the type come from the command line): a field added to NewServer and not here fails to
 * compile on this line, so imports cannot drop it unnoticed.
 */
type NotCarriedByImports = Exclude<keyof NewServer, keyof ImportCandidate | 'organizationId' | 'type'>;
export const IMPORTS_CARRY_EVERY_FIELD: [NotCarriedByImports] extends [never] ? true : NotCarriedByImports = true;

/** A secret the file asks to create before its servers (a Zudu export's `secrets`). */
export interface ImportSecret {
  id: string;
  name: string;
  /** null when the export was made without --include-secrets. */
  value: string | null;
}

export interface ImportSource {
  format: string;
  candidates: ImportCandidate[];
  secrets: ImportSecret[];
}

/** A stored server with what an export may reveal of its secrets. */
export interface ExportedServer {
  record: McpServer;
  /** The secret its auth points to: `value` only with --include-secrets. */
  authSecret: { id: string; name: string; managed: boolean; value: string | null } | null;
  /** Header names, each with its value only with --include-secrets. */
  headers: Record<string, string | null>;
}

/** This gateway's full-fidelity backup: every field and id, secrets still encrypted. */
export interface NativeBackup {
  format: 'mcp-gateway/native';
  version: 1;
  organizationId: string;
  exportedAt: string;
  servers: McpServer[];
  secrets: StoredSecret[];
}
