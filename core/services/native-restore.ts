import { auditEvent, createdServerFields, recordRun } from './audit-trail';
import { CoreError, NameConflict, SecretIdTaken } from '../errors';
import { newServerId } from '../ids';
import type { NativeBackup } from '../model/migration';
import type { StoredSecret } from '../model/secret';
import type { McpServer } from '../model/server';
import type { Cipher, Clock, Store } from '../ports';
import { nameKey } from '../rules/name-key';
import { checkHttpUrl, checkName, checkOrganizationId, checkSecretValue } from '../rules/server.rules';
import { refusalOfBackupSecret, refusalOfBackupServer } from './import-checks';
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
import { decryptHeaders, encryptHeaders } from './request-headers';
import { secretContext } from '../secrets/contexts';

export interface RestoreOptions {
  strategy: ConflictStrategy;
  dryRun: boolean;
  /** The key the backup was written under, when it is not this gateway's (`--rekey`). */
  sourceCipher?: Cipher;
  onProgress?: (done: number, total: number) => void;
}

const REKEY_HINT = 'it was encrypted under another key: run the import with --rekey and MCP_GATEWAY_SOURCE_ENCRYPTION_KEY set to that key';

/**
 * Restores a native backup: every field and id as it was. Secret values and header values are
 * decrypted with the source key and encrypted again under this gateway's key and the target
 * organization, each server with its own secrets in one transaction.
 */
export class NativeRestore {
  constructor(private readonly deps: { store: Store; cipher: Cipher; clock: Clock }) {}

  async run(organizationId: string, backup: NativeBackup, options: RestoreOptions): Promise<ImportReport> {
    checkOrganizationId(organizationId);
    const source = options.sourceCipher ?? this.deps.cipher;
    const { items } = await this.deps.store.servers.list({ organizationId });
    const byId = new Map(items.map((s) => [s.id, s]));
    const byName = new Map(items.map((s) => [nameKey(s.name), s]));
    const secretsReport = await this.restoreSharedSecrets(organizationId, backup, source, options.dryRun);
    const entries = backup.servers.map((record) => this.plan(record, backup.secrets, byId, byName, options.strategy));
    const results = await inParallel(
      entries,
      8,
      options.onProgress,
      (entry, index): Promise<ImportResult> =>
        entry.action === 'refuse'
          ? Promise.resolve({ ...entry, outcome: 'failed', id: null, error: entry.reason })
          : options.dryRun || entry.action === 'skip'
            ? Promise.resolve({ ...entry, outcome: options.dryRun ? 'planned' : 'unchanged', id: entry.existingId, error: null })
            : this.apply(organizationId, backup, backup.servers[index]!, entry, source),
    );
    const users = backup.servers.map((s, i) => ({ secretId: 'secretId' in s.auth ? s.auth.secretId : undefined, landed: results[i]!.outcome !== 'failed' }));
    await dropSecretsOfFailedServers(this.deps.store, organizationId, secretsReport, users);
    const summary = summarize(results);
    if (!options.dryRun) await recordRun(this.deps, organizationId, 'restore.applied', 'native', summary);
    return { format: 'native', dryRun: options.dryRun, secrets: secretsReport, results, summary };
  }

  private plan(
    record: McpServer,
    secrets: StoredSecret[],
    byId: Map<string, McpServer>,
    byName: Map<string, McpServer>,
    strategy: ConflictStrategy,
  ): PlanEntry {
    const base = { source: `servers[${record.id}]`, name: record.name, warnings: [], targetName: record.name };
    const refusal = refusalOfBackupServer(record) ?? refusalOfOwnSecrets(record, secrets);
    if (refusal) return { ...base, action: 'refuse', reason: refusal, existingId: null };
    const sameId = byId.get(record.id);
    const sameName = byName.get(nameKey(record.name));
    if (sameId && sameId.updatedAt === record.updatedAt && sameId.name === record.name) {
      return { ...base, action: 'skip', reason: 'already up to date', existingId: sameId.id };
    }
    const conflict = sameId ?? sameName;
    if (!conflict) {
      byName.set(nameKey(record.name), record);
      return { ...base, action: 'create', reason: 'new server (id kept)', existingId: null };
    }
    const why = sameId ? 'this id exists with other content' : `the name is used by ${conflict.id}`;
    if (strategy === 'update' && sameId) return { ...base, action: 'update', reason: `${why}; restored over it`, existingId: sameId.id };
    if (strategy === 'rename') {
      const targetName = freeName(record.name, (key) => byName.has(key));
      byName.set(nameKey(targetName), record);
      return { ...base, action: 'rename', reason: `${why}; restored under a new id as '${targetName}'`, existingId: conflict.id, targetName };
    }
    return { ...base, action: 'skip', reason: `${why} (use --on-conflict ${sameId ? 'update or ' : ''}rename)`, existingId: conflict.id };
  }

  private async apply(organizationId: string, backup: NativeBackup, record: McpServer, entry: PlanEntry, source: Cipher): Promise<ImportResult> {
    try {
      const id = entry.action === 'rename' ? newServerId() : record.id;
      const ownSecrets = backup.secrets.filter((s) => s.managedBy === record.id);
      const server: McpServer = {
        ...record,
        id,
        name: checkName(entry.targetName),
        url: checkHttpUrl(record.url),
        // Stored in the parsed form the probe dials, as the API stores it.
        auth:
          record.auth.type === 'oauth' && record.auth.grant === 'client_credentials'
            ? { ...record.auth, tokenUrl: checkHttpUrl(record.auth.tokenUrl, 'auth.tokenUrl') }
            : record.auth,
        organizationId,
        requestHeaders: encryptHeaders(this.deps.cipher, id, decryptHeaders(source, record.id, record.requestHeaders)),
        deletedAt: null,
      };
      const secrets = ownSecrets.map((s) => this.reencrypt(s, backup.organizationId, organizationId, source, id));
      await this.deps.store.transaction(async (tx) => {
        if (entry.action === 'update') {
          for (const stale of await tx.secrets.listByOrganization(organizationId))
            if (stale.managedBy === id) await tx.secrets.delete(organizationId, stale.id);
        }
        for (const secret of secrets) await tx.secrets.insert(secret);
        if (entry.action === 'update') await tx.servers.update(server);
        else await tx.servers.insert(server);
        await tx.audit.append(
          auditEvent(null, organizationId, this.deps.clock.now(), {
            action: entry.action === 'update' ? 'server.updated' : 'server.created',
            targetType: 'server',
            targetId: id,
            fields: createdServerFields(server),
            detail: { via: 'restore' },
          }),
        );
      });
      return { ...entry, outcome: 'imported', id, error: null };
    } catch (error) {
      const message =
        error instanceof NameConflict
          ? 'the name was taken while importing'
          : error instanceof SecretIdTaken
            ? `${error.message}; restore into an organization without it, or with --on-conflict rename`
            : error instanceof CoreError
              ? error.message
              : (error as Error)?.name === 'DecryptionFailed'
                ? `cannot decrypt its secrets: ${REKEY_HINT}`
                : 'unexpected error';
      return { ...entry, outcome: 'failed', id: null, error: message };
    }
  }

  private reencrypt(secret: StoredSecret, fromOrg: string, toOrg: string, source: Cipher, managedBy: string | null): StoredSecret {
    const value = checkSecretValue(source.decrypt(secret.ciphertext, secretContext(fromOrg, secret.id)), `secret ${secret.id}: value`);
    return { ...secret, organizationId: toOrg, managedBy, ciphertext: this.deps.cipher.encrypt(value, secretContext(toOrg, secret.id)) };
  }

  /** Shared secrets (not owned by one server) first, so the servers that point at them find them. */
  private async restoreSharedSecrets(organizationId: string, backup: NativeBackup, source: Cipher, dryRun: boolean): Promise<ImportReport['secrets']> {
    const report: ImportReport['secrets'] = [];
    for (const secret of backup.secrets.filter((s) => s.managedBy === null)) {
      const refusal = refusalOfBackupSecret(secret);
      if (refusal) {
        report.push({ id: secret.id, outcome: 'failed', error: refusal });
        continue;
      }
      if (dryRun) {
        report.push({ id: secret.id, outcome: 'planned', error: null });
        continue;
      }
      try {
        if (await this.deps.store.secrets.findById(organizationId, secret.id)) {
          report.push({ id: secret.id, outcome: 'exists', error: null });
          continue;
        }
        const restored = this.reencrypt(secret, backup.organizationId, organizationId, source, null);
        await this.deps.store.transaction(async (tx) => {
          await tx.secrets.insert(restored);
          await tx.audit.append(
            auditEvent(null, organizationId, this.deps.clock.now(), {
              action: 'secret.created',
              targetType: 'secret',
              targetId: secret.id,
              fields: ['name', 'value'],
              detail: { via: 'restore' },
            }),
          );
        });
        report.push({ id: secret.id, outcome: 'created', error: null });
      } catch (error) {
        const decrypt = (error as Error)?.name === 'DecryptionFailed';
        const reason = decrypt ? `cannot decrypt: ${REKEY_HINT}` : error instanceof CoreError ? error.message : 'could not be stored';
        report.push({ id: secret.id, outcome: 'failed', error: reason });
      }
    }
    return report;
  }
}

function refusalOfOwnSecrets(record: McpServer, secrets: StoredSecret[]): string | null {
  for (const secret of secrets.filter((s) => s.managedBy === record.id)) {
    const refusal = refusalOfBackupSecret(secret);
    if (refusal) return `its secret ${secret.id}: ${refusal}`;
  }
  return null;
}
