import { z } from 'zod';
import type { NativeBackup } from '../../core/model/migration';
import type { StoredSecret } from '../../core/model/secret';
import { APPROVAL_POLICIES, CONNECTION_STATUSES, type McpServer, SERVER_TYPES, TOOL_APPROVAL_STATES, TRANSPORTS } from '../../core/model/server';
import { LIMITS } from '../../core/rules/server.rules';
import type { Agree, Differ, NoneLeft, Proven } from '../shared/wire-checks';
import { parseShape, recordOf } from './format-error';

const millis = z.number().int().nonnegative();
const auth = z.union([
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('bearer'), secretId: z.string() }),
  z.object({ type: z.literal('api_key'), headerName: z.string(), secretId: z.string() }),
  z.object({
    type: z.literal('oauth'),
    grant: z.literal('client_credentials'),
    clientId: z.string(),
    tokenUrl: z.string(),
    scope: z.string().nullable(),
    secretId: z.string(),
  }),
  z.object({ type: z.literal('oauth'), grant: z.literal('access_token'), secretId: z.string() }),
  z.object({
    type: z.literal('oauth'),
    grant: z.literal('authorization_code'),
    perUser: z.boolean(),
    clientId: z.string().nullable(),
    scope: z.string().nullable(),
    secretId: z.string().optional(),
  }),
]);
const server = z.object({
  id: z.string().regex(/^mcp_[0-9a-f]{32}$/),
  organizationId: z.string(),
  ownerId: z.string().nullable(),
  type: z.enum(SERVER_TYPES),
  name: z.string().min(1).max(LIMITS.name),
  description: z.string().max(LIMITS.description),
  url: z.string().max(LIMITS.url),
  transport: z.enum(TRANSPORTS),
  auth,
  requestHeaders: recordOf(z.string()),
  // Backups from before writers were recorded: each value counts as the owner's.
  headerWriters: recordOf(z.string().nullable()).default({}),
  toolPolicy: z.object({
    enabled: z.boolean(),
    allowedTools: z.array(z.string()).nullable(),
    approvalPolicy: z.enum(APPROVAL_POLICIES),
  }),
  toolApprovals: z.array(z.object({ toolName: z.string(), toolHash: z.string(), state: z.enum(TOOL_APPROVAL_STATES) })),
  isActive: z.boolean(),
  connection: z.object({
    status: z.enum(CONNECTION_STATUSES),
    lastTestedAt: millis.nullable(),
    lastConnectedAt: millis.nullable(),
    errorMessage: z.string().nullable(),
    tools: z.array(z.object({ name: z.string(), description: z.string().nullable(), inputSchema: z.unknown() })).nullable(),
  }),
  createdAt: millis,
  updatedAt: millis,
  deletedAt: millis.nullable(),
});
const secret = z.object({
  id: z.string(),
  organizationId: z.string(),
  name: z.string(),
  ciphertext: z.string(),
  managedBy: z.string().nullable(),
  // Backups written before secrets had owners carry none: such a secret is admins' only.
  ownerId: z.string().nullable().default(null),
  createdAt: millis,
  updatedAt: millis,
});

// The backup describes the stored records field by field; these proofs fail the build, naming
// the field, when McpServer or StoredSecret gains (or loses) one the backup does not read.
export type NativeBackupProofs = [
  NoneLeft<Differ<keyof z.output<typeof server>, keyof McpServer>>,
  NoneLeft<Differ<keyof z.output<typeof secret>, keyof StoredSecret>>,
  Proven<Agree<z.output<typeof server>, McpServer>>,
  Proven<Agree<z.output<typeof secret>, StoredSecret>>,
];

const backup = z.object({
  format: z.literal('mcp-gateway/native'),
  version: z.literal(1),
  organizationId: z.string(),
  exportedAt: z.string(),
  servers: z.array(server),
  secrets: z.array(secret),
});

export const isNativeBackup = (d: unknown) => typeof d === 'object' && d !== null && (d as { format?: unknown }).format === 'mcp-gateway/native';

/** This gateway's own backup, checked field by field before anything is restored from it. */
export function fromNativeBackup(data: unknown): NativeBackup {
  const parsed = parseShape(backup, data, 'mcp-gateway native backup');
  return parsed;
}
