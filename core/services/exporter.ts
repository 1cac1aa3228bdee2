import type { ExportedServer, NativeBackup } from '../model/migration';
import type { McpServer } from '../model/server';
import { authSecretId } from '../model/server';
import type { Cipher, Clock, Store } from '../ports';
import { checkOrganizationId } from '../rules/server.rules';
import { decryptHeaders } from './request-headers';
import { secretContext } from '../secrets/contexts';

/**
 * Reads an organization out for export. Secret values are decrypted only when the operator
 * asked for them (`includeSecrets`), which only the command line can do.
 */
export class Exporter {
  constructor(private readonly deps: { store: Store; cipher: Cipher; clock: Clock }) {}

  async servers(organizationId: string, includeSecrets: boolean): Promise<ExportedServer[]> {
    checkOrganizationId(organizationId);
    const { items } = await this.deps.store.servers.list({ organizationId });
    const secrets = new Map((await this.deps.store.secrets.listByOrganization(organizationId)).map((s) => [s.id, s]));
    return items.map((record) => {
      const headerValues = includeSecrets ? decryptHeaders(this.deps.cipher, record.id, record.requestHeaders) : null;
      const headers = Object.fromEntries(Object.keys(record.requestHeaders).map((name) => [name, headerValues?.[name] ?? null]));
      return { record, authSecret: this.authSecret(record, secrets, includeSecrets), headers };
    });
  }

  async native(organizationId: string): Promise<NativeBackup> {
    checkOrganizationId(organizationId);
    const { items } = await this.deps.store.servers.list({ organizationId });
    const secrets = await this.deps.store.secrets.listByOrganization(organizationId);
    return { format: 'mcp-gateway/native', version: 1, organizationId, exportedAt: new Date(this.deps.clock.now()).toISOString(), servers: items, secrets };
  }

  private authSecret(record: McpServer, secrets: Map<string, { id: string; name: string; ciphertext: string; managedBy: string | null }>, include: boolean) {
    const secretId = authSecretId(record.auth);
    if (secretId === null) return null;
    const secret = secrets.get(secretId);
    const value = include && secret ? this.deps.cipher.decrypt(secret.ciphertext, secretContext(record.organizationId, secret.id)) : null;
    return { id: secretId, name: secret?.name ?? secretId, managed: secret?.managedBy === record.id, value };
  }
}
