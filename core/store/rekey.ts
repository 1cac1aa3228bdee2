import type { Knex } from 'knex';
import type { AesGcmCipher } from '../secrets/aes-gcm-cipher';
import {
  agentReplyContext,
  argumentsContext,
  flowContext,
  headerContext,
  KEY_CHECK_CONTEXT,
  registrationContext,
  secretContext,
  tokenContext,
} from '../secrets/contexts';
import { parseJson } from './sql-quirks';

type Row = Record<string, unknown>;

/** One encrypted column: its table, the columns that find its row, and the context each value is bound to. */
interface EncryptedColumn {
  table: string;
  keys: string[];
  column: string;
  /** Only these rows (gateway_meta holds other values in clear). */
  where?: Record<string, string>;
  /** A JSON object of encrypted values (request headers), each bound to its own name. */
  map?: boolean;
  context: (row: Row, name?: string) => string;
}

const s = (v: unknown) => String(v);

/** Every value the gateway encrypts. A new encrypted column must be added here (test/store/rekey.test.ts lists them). */
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { table: 'secrets', keys: ['organization_id', 'id'], column: 'ciphertext', context: (r) => secretContext(s(r.organization_id), s(r.id)) },
  { table: 'mcp_servers', keys: ['id'], column: 'request_headers', map: true, context: (r, name) => headerContext(s(r.id), name!) },
  { table: 'approval_requests', keys: ['id'], column: 'arguments', context: (r) => argumentsContext(s(r.id)) },
  { table: 'oauth_registrations', keys: ['id'], column: 'client_secret', context: (r) => registrationContext(s(r.organization_id), s(r.id)) },
  {
    table: 'oauth_flows',
    keys: ['state_hash'],
    column: 'code_verifier',
    context: (r) => flowContext({ organizationId: s(r.organization_id), stateHash: s(r.state_hash) }),
  },
  {
    table: 'oauth_grants',
    keys: ['id'],
    column: 'access_token',
    context: (r) => tokenContext({ organizationId: s(r.organization_id), id: s(r.id) }, 'access'),
  },
  {
    table: 'oauth_grants',
    keys: ['id'],
    column: 'refresh_token',
    context: (r) => tokenContext({ organizationId: s(r.organization_id), id: s(r.id) }, 'refresh'),
  },
  { table: 'agent_replies', keys: ['id', 'key_id'], column: 'body', context: (r) => agentReplyContext(s(r.id)) },
  { table: 'gateway_meta', keys: ['key'], column: 'value', where: { key: KEY_CHECK_CONTEXT }, context: () => KEY_CHECK_CONTEXT },
];

export interface RekeyProgress {
  /** Values moved to the new key by this run. */
  rekeyed: number;
  /** Values already under the new key (written since the restart, or by an interrupted run). */
  alreadyCurrent: number;
  /** Values neither key opens: named by table, column and row, never by content. */
  unreadable: Array<{ table: string; column: string; row: string }>;
}

const BATCH = 200;

/**
 * Re-encrypts every stored value from the previous key to the current one, one row at a time:
 * each row's update compares its old text (a row a running gateway changed meanwhile is left to
 * the next pass), so the work can stop anywhere, by a kill or a crash, and every value is still
 * under one of the two keys, which a gateway started with both reads. Running it again finishes
 * the job; rows already under the new key are only read.
 */
export async function rekeyEverything(
  knex: Knex,
  keys: { current: AesGcmCipher; previous: AesGcmCipher },
  onProgress: (done: RekeyProgress) => void = () => undefined,
): Promise<RekeyProgress> {
  const progress: RekeyProgress = { rekeyed: 0, alreadyCurrent: 0, unreadable: [] };
  const opens = (cipher: AesGcmCipher, value: string, context: string): string | null => {
    try {
      return cipher.decrypt(value, context);
    } catch {
      return null;
    }
  };
  /** The value under the new key, or null when it already is (or neither key opens it). */
  const moved = (value: string, context: string, where: () => string, column: EncryptedColumn): string | null => {
    if (opens(keys.current, value, context) !== null) {
      progress.alreadyCurrent += 1;
      return null;
    }
    const plaintext = opens(keys.previous, value, context);
    if (plaintext === null) {
      progress.unreadable.push({ table: column.table, column: column.column, row: where() });
      return null;
    }
    progress.rekeyed += 1;
    return keys.current.encrypt(plaintext, context);
  };

  for (const column of ENCRYPTED_COLUMNS) {
    for (let offset = 0; ; offset += BATCH) {
      const rows = (await knex(column.table)
        .where(column.where ?? {})
        .whereNotNull(column.column)
        .orderBy(column.keys)
        .offset(offset)
        .limit(BATCH)
        .select([...new Set([...column.keys, 'organization_id', column.column].filter((c) => c !== 'organization_id' || hasOrganization(column)))])) as Row[];
      for (const row of rows) {
        const old = row[column.column] as string;
        const where = () => column.keys.map((k) => `${k}=${s(row[k])}`).join(',');
        let next: string | null = null;
        if (column.map) {
          const values = parseJson<Record<string, string>>(old);
          let changed = false;
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(values)) {
            const re = moved(value, column.context(row, name), () => `${where()} header=${name}`, column);
            out[name] = re ?? value;
            if (re !== null) changed = true;
          }
          if (changed) next = JSON.stringify(out);
        } else next = moved(old, column.context(row), where, column);
        if (next === null) continue;
        const match = Object.fromEntries(column.keys.map((k) => [k, row[k]]));
        // Compare-and-set: a value a running gateway rewrote meanwhile is already under the new key.
        await knex(column.table)
          .where(match)
          .where(column.column, old)
          .update({ [column.column]: next });
      }
      onProgress(progress);
      if (rows.length < BATCH) break;
    }
  }
  return progress;
}

function hasOrganization(column: EncryptedColumn): boolean {
  return !['agent_replies', 'gateway_meta'].includes(column.table);
}
