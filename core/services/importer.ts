import { auditEvent, recordRun } from './audit-trail';
import { CoreError, NameConflict } from '../errors';
import type { ImportCandidate, ImportSecret, ImportSource } from '../model/migration';
import { REDACTED, type NewServer, type ServerPatch } from '../model/input';
import type { Principal } from '../model/principal';
import type { McpServer } from '../model/server';
import { authSecretId } from '../model/server';
import type { Cipher, Clock, Store } from '../ports';
import { DEFAULT_API_KEY_HEADER } from '../rules/auth.rules';
import { nameKey } from '../rules/name-key';
import { checkOrganizationId } from '../rules/server.rules';
import { refusalOfCandidate, refusalOfSecret } from './import-checks';
import { decryptHeaders } from './request-headers';
import {
  dropSecretsOfFailedServers,
  freeName,
  inParallel,
  summarize,
  type ConflictStrategy,
  type ImportReport,
  type ImportResult,
  type PlanEntry,
} from './import-report';
import { secretContext } from '../secrets/contexts';

export { CONFLICT_STRATEGIES, type ConflictStrategy, type ImportAction, type ImportReport, type ImportResult, type PlanEntry } from './import-report';
import type { ServerRegistry } from './server-registry';

export interface ImportOptions {
  strategy: ConflictStrategy;
  dryRun: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** The command line acts for the operator: an admin of the one organization it imports into. */
export const operatorOf = (organizationId: string): Principal => ({
  keyId: 'cli',
  userId: null,
  organizationIds: [organizationId],
  role: 'admin',
  dialect: 'operator',
});

/**
 * Lands servers read from another platform: first a plan (create, update, skip or rename, each
 * with its reason), then, unless it is a dry run, each server in a transaction of its own, so
 * a failure leaves no half-imported server. Identical servers are skipped, so a second import
 * of the same file changes nothing.
 */
export class Importer {
  constructor(private readonly deps: { store: Store; cipher: Cipher; clock: Clock; registry: ServerRegistry }) {}

  async run(organizationId: string, source: ImportSource, options: ImportOptions): Promise<ImportReport> {
    checkOrganizationId(organizationId);
    const existing = await this.existingServers(organizationId);
    const secretValues = await this.secretValues(organizationId);
    const plan = this.plan(source.candidates, existing, secretValues, options.strategy);
    const secrets = await this.createSecrets(organizationId, source.secrets, options.dryRun);
    const results = await inParallel(plan.entries, APPLY_CONCURRENCY, options.onProgress, (entry, index) =>
      entry.action === 'refuse'
        ? Promise.resolve(refused(entry))
        : options.dryRun
          ? Promise.resolve({ ...entry, outcome: 'planned' as const, id: entry.existingId, error: null })
          : this.apply(organizationId, entry, plan.candidates[index]!),
    );
    const users = source.candidates.map((c, i) => ({ secretId: c.auth?.credentials.secretId, landed: results[i]!.outcome !== 'failed' }));
    await dropSecretsOfFailedServers(this.deps.store, organizationId, secrets, users);
    const summary = summarize(results);
    if (!options.dryRun) await recordRun(this.deps, organizationId, 'import.applied', source.format, summary);
    return { format: source.format, dryRun: options.dryRun, secrets, results, summary };
  }

  private async existingServers(organizationId: string): Promise<Map<string, McpServer>> {
    const { items } = await this.deps.store.servers.list({ organizationId });
    return new Map(items.map((s) => [nameKey(s.name), s]));
  }

  private plan(candidates: ImportCandidate[], existing: Map<string, McpServer>, secretValues: SecretValues, strategy: ConflictStrategy) {
    const taken = new Set(existing.keys());
    const entries: PlanEntry[] = [];
    const planned: PlannedCandidate[] = [];
    for (const read of candidates) {
      const base = { source: read.source, name: read.name, warnings: read.warnings, targetName: read.name };
      planned.push(read);
      if (read.skip) {
        entries.push({ ...base, action: 'skip', reason: read.skip, existingId: null });
        continue;
      }
      const refusal = read.invalid ?? refusalOfCandidate(read);
      if (refusal) {
        entries.push({ ...base, action: 'refuse', reason: refusal, existingId: null });
        continue;
      }
      const key = nameKey(read.name);
      const match = existing.get(key);
      if (!taken.has(key)) {
        taken.add(key);
        entries.push({ ...base, action: 'create', reason: 'new server', existingId: null });
      } else if (!match) {
        entries.push(this.onConflict(base, strategy, taken, null, 'the file names this server twice'));
      } else {
        const candidate = this.overStored(match, read);
        const differences = this.differences(match, candidate, secretValues);
        const entry: PlanEntry =
          differences.length === 0
            ? { ...base, action: 'skip', reason: `already up to date (${match.id})`, existingId: match.id }
            : this.onConflict(base, strategy, taken, match.id, `differs in ${differences.join(', ')}`);
        if (entry.action === 'update') {
          planned[planned.length - 1] = candidate;
          entry.warnings = [...entry.warnings, ...(candidate.kept ?? [])];
        }
        entries.push(entry);
      }
    }
    return { entries, candidates: planned };
  }

  /**
   * The candidate as an update of `server` applies it: an auth the file cannot express, and a
   * header whose value it masks, keep what is stored (with a note saying so per server).
   */
  private overStored(server: McpServer, c: ImportCandidate): PlannedCandidate {
    const kept: string[] = [];
    const keepAuth = c.auth !== null && c.expressibleAuth !== undefined && !c.expressibleAuth.includes(server.auth.type) && server.auth.type !== 'none';
    if (keepAuth) kept.push(`kept stored ${server.auth.type} auth: the file cannot express it`);
    else if (c.auth === null && server.auth.type !== 'none') kept.push(`kept stored ${server.auth.type} auth: the file carries no credentials`);
    const stored = new Map(Object.entries(decryptHeaders(this.deps.cipher, server.id, server.requestHeaders)).map(([n, v]) => [n.toLowerCase(), v]));
    const maskedKept = (c.maskedHeaders ?? []).filter((name) => stored.has(name.toLowerCase()));
    for (const name of maskedKept) kept.push(`kept the stored value of request header ${name}: the file does not carry it`);
    const requestHeaders =
      maskedKept.length === 0 ? c.requestHeaders : { ...c.requestHeaders, ...Object.fromEntries(maskedKept.map((n) => [n, stored.get(n.toLowerCase())!])) };
    return { ...c, requestHeaders, keepAuth, maskedKept, kept };
  }

  private onConflict(
    base: Omit<PlanEntry, 'action' | 'reason' | 'existingId'>,
    strategy: ConflictStrategy,
    taken: Set<string>,
    existingId: string | null,
    why: string,
  ): PlanEntry {
    if (strategy === 'update' && existingId) return { ...base, action: 'update', reason: `a server with this name exists and ${why}`, existingId };
    if (strategy === 'rename') {
      const targetName = freeName(base.name, (key) => taken.has(key));
      taken.add(nameKey(targetName));
      return { ...base, action: 'rename', reason: `the name is taken (${why}); imported as '${targetName}'`, existingId, targetName };
    }
    return { ...base, action: 'skip', reason: `a server with this name exists and ${why} (use --on-conflict update or rename)`, existingId };
  }

  /** The fields in which a stored server and a candidate differ; fields the file lacks do not count. */
  private differences(server: McpServer, c: PlannedCandidate, secretValues: SecretValues): string[] {
    const diff: string[] = [];
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (server.url !== c.url) diff.push('url');
    if (server.transport !== c.transport) diff.push('transport');
    if (c.description !== undefined && server.description !== c.description) diff.push('description');
    if (c.approvalPolicy !== undefined && server.toolPolicy.approvalPolicy !== c.approvalPolicy) diff.push('approval policy');
    if (c.toolApprovals !== undefined && !same(sortByName(server.toolApprovals), sortByName(c.toolApprovals))) diff.push('tool approvals');
    if (c.enabled !== undefined && server.toolPolicy.enabled !== c.enabled) diff.push('tools enabled');
    if (c.allowedTools !== undefined && !same(server.toolPolicy.allowedTools, c.allowedTools)) diff.push('allowed tools');
    if (c.isActive !== undefined && server.isActive !== c.isActive) diff.push('active flag');
    if (
      c.requestHeaders !== undefined &&
      !same(sortedEntries(decryptHeaders(this.deps.cipher, server.id, server.requestHeaders)), sortedEntries(c.requestHeaders))
    )
      diff.push('request headers');
    if (c.auth !== null && !c.keepAuth && !sameAuth(server, c.auth, secretValues)) diff.push('credentials');
    return diff;
  }

  /** The organization's secret values, decrypted once for comparisons and dropped after the run. */
  private async secretValues(organizationId: string): Promise<SecretValues> {
    const values: SecretValues = new Map();
    for (const secret of await this.deps.store.secrets.listByOrganization(organizationId)) {
      try {
        values.set(secret.id, this.deps.cipher.decrypt(secret.ciphertext, secretContext(organizationId, secret.id)));
      } catch {
        values.set(secret.id, null);
      }
    }
    return values;
  }

  private async createSecrets(organizationId: string, secrets: ImportSecret[], dryRun: boolean): Promise<ImportReport['secrets']> {
    const report: ImportReport['secrets'] = [];
    for (const secret of secrets) {
      const refusal = refusalOfSecret(secret);
      if (refusal) {
        report.push({ id: secret.id, outcome: 'failed', error: refusal });
        continue;
      }
      if (dryRun) {
        report.push({ id: secret.id, outcome: 'planned', error: null });
        continue;
      }
      try {
        if (await this.deps.store.secrets.findById(organizationId, secret.id)) report.push({ id: secret.id, outcome: 'exists', error: null });
        else if (secret.value === null)
          report.push({ id: secret.id, outcome: 'missing value', error: 'the file has no value for it (exported without --include-secrets)' });
        else {
          const now = this.deps.clock.now();
          const value = secret.value;
          await this.deps.store.transaction(async (tx) => {
            await tx.secrets.insert({
              id: secret.id,
              organizationId,
              name: secret.name,
              ciphertext: this.deps.cipher.encrypt(value, secretContext(organizationId, secret.id)),
              managedBy: null,
              ownerId: null,
              createdAt: now,
              updatedAt: now,
            });
            await tx.audit.append(
              auditEvent(operatorOf(organizationId), organizationId, now, {
                action: 'secret.created',
                targetType: 'secret',
                targetId: secret.id,
                fields: ['name', 'value'],
                detail: { via: 'import' },
              }),
            );
          });
          report.push({ id: secret.id, outcome: 'created', error: null });
        }
      } catch (error) {
        report.push({ id: secret.id, outcome: 'failed', error: error instanceof CoreError ? error.message : 'unexpected error' });
      }
    }
    return report;
  }

  private async apply(organizationId: string, entry: PlanEntry, candidate: PlannedCandidate): Promise<ImportResult> {
    const principal = operatorOf(organizationId);
    try {
      if (entry.action === 'skip') return { ...entry, outcome: 'unchanged', id: entry.existingId, error: null };
      if (entry.action === 'update') {
        const server = await this.deps.registry.update(principal, entry.existingId!, toPatch(candidate));
        return { ...entry, outcome: 'imported', id: server.id, error: null };
      }
      const server = await this.deps.registry.create(principal, toNewServer(organizationId, candidate, entry.targetName));
      return { ...entry, outcome: 'imported', id: server.id, error: null };
    } catch (error) {
      const message = error instanceof NameConflict ? 'the name was taken while importing' : error instanceof CoreError ? error.message : 'unexpected error';
      return { ...entry, outcome: 'failed', id: null, error: message };
    }
  }
}

type SecretValues = Map<string, string | null>;

/** A candidate as the plan settled it against the stored server it updates. */
type PlannedCandidate = ImportCandidate & { keepAuth?: boolean; maskedKept?: string[]; kept?: string[] };

/**
 * Servers land in parallel, each in its own transaction: the plan already settled every name,
 * so they cannot collide, and a pooled database (PostgreSQL) commits several at once.
 */
const APPLY_CONCURRENCY = 8;

const refused = (entry: PlanEntry): ImportResult => ({ ...entry, outcome: 'failed', id: null, error: entry.reason });

function sameAuth(server: McpServer, auth: NonNullable<ImportCandidate['auth']>, secretValues: SecretValues): boolean {
  if (auth.type !== server.auth.type) return false;
  if (server.auth.type === 'none') return true;
  const creds = auth.credentials;
  if (creds.secretId !== undefined) return authSecretId(server.auth) === creds.secretId;
  const stored = server.auth;
  if (stored.type === 'api_key' && stored.headerName !== (creds.headerName ?? DEFAULT_API_KEY_HEADER)) return false;
  if (stored.type === 'oauth') {
    const clientCredentials = stored.grant === 'client_credentials';
    if (clientCredentials !== (creds.accessToken === undefined)) return false;
    if (clientCredentials && (stored.clientId !== creds.clientId || stored.tokenUrl !== creds.tokenUrl || stored.scope !== (creds.scope ?? null))) return false;
  }
  if (stored.type === 'oauth' && stored.grant === 'authorization_code') {
    if (stored.perUser !== (creds.perUser ?? false) || stored.clientId !== (creds.clientId ?? null) || stored.scope !== (creds.scope ?? null)) return false;
    if (stored.secretId === undefined) return creds.clientSecret === undefined;
  }
  const value = creds.token ?? creds.apiKey ?? creds.clientSecret ?? creds.accessToken;
  const storedSecret = authSecretId(stored);
  return value !== undefined && storedSecret !== null && secretValues.get(storedSecret) === value;
}

/** Header sets are equal whatever order their names come in. */
const sortedEntries = (headers: Record<string, string>) => Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function sortByName<T extends { toolName: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.toolName < b.toolName ? -1 : 1));
}

function toNewServer(organizationId: string, c: ImportCandidate, name: string): NewServer {
  return {
    organizationId,
    name,
    description: c.description,
    url: c.url,
    transport: c.transport,
    auth: c.auth ?? { type: 'none', credentials: {} },
    requestHeaders: c.requestHeaders,
    approvalPolicy: c.approvalPolicy,
    toolApprovals: c.toolApprovals,
    enabled: c.enabled,
    allowedTools: c.allowedTools,
    // Without its credentials a server cannot work: it lands inactive until someone sets them.
    isActive: c.auth === null ? false : c.isActive,
    createdAt: c.createdAt,
  };
}

function toPatch(c: PlannedCandidate): ServerPatch {
  // A masked header is sent back as the mask: the registry then keeps its stored value.
  const masked = new Set(c.maskedKept ?? []);
  const requestHeaders = c.requestHeaders && Object.fromEntries(Object.entries(c.requestHeaders).map(([n, v]) => [n, masked.has(n) ? REDACTED : v]));
  return {
    url: c.url,
    transport: c.transport,
    description: c.description,
    auth: c.keepAuth ? undefined : (c.auth ?? undefined),
    requestHeaders,
    approvalPolicy: c.approvalPolicy,
    toolApprovals: c.toolApprovals,
    enabled: c.enabled,
    allowedTools: c.allowedTools,
    isActive: c.auth === null ? undefined : c.isActive,
  };
}
