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
  /** Whether `context` reads the row's organization. */
  byOrganization: boolean;
  context: (row: Row, name?: string) => string;
}

const s = (v: unknown) => String(v);

/** Every value the gateway encrypts. A new encrypted column must be added here (test/server/rekey.e2e.test.ts opens them all). */
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  {
    table: 'secrets',
    keys: ['organization_id', 'id'],
    column: 'ciphertext',
    byOrganization: true,
    context: (r) => secretContext(s(r.organization_id), s(r.id)),
  },
  { table: 'mcp_servers', keys: ['id'], column: 'request_headers', map: true, byOrganization: false, context: (r, name) => headerContext(s(r.id), name!) },
  { table: 'approval_requests', keys: ['id'], column: 'arguments', byOrganization: false, context: (r) => argumentsContext(s(r.id)) },
  {
    table: 'oauth_registrations',
    keys: ['id'],
    column: 'client_secret',
    byOrganization: true,
    context: (r) => registrationContext(s(r.organization_id), s(r.id)),
  },
  {
    table: 'oauth_flows',
    keys: ['state_hash'],
    column: 'code_verifier',
    byOrganization: true,
    context: (r) => flowContext({ organizationId: s(r.organization_id), stateHash: s(r.state_hash) }),
  },
  {
    table: 'oauth_grants',
    keys: ['id'],
    column: 'access_token',
    byOrganization: true,
    context: (r) => tokenContext({ organizationId: s(r.organization_id), id: s(r.id) }, 'access'),
  },
  {
    table: 'oauth_grants',
    keys: ['id'],
    column: 'refresh_token',
    byOrganization: true,
    context: (r) => tokenContext({ organizationId: s(r.organization_id), id: s(r.id) }, 'refresh'),
  },
  { table: 'agent_replies', keys: ['id', 'key_id'], column: 'body', byOrganization: false, context: (r) => agentReplyContext(s(r.id)) },
  { table: 'gateway_meta', keys: ['key'], column: 'value', byOrganization: false, where: { key: KEY_CHECK_CONTEXT }, context: () => KEY_CHECK_CONTEXT },
];

export interface RekeyProgress {
  /** Values moved to the new key by this run. */
  rekeyed: number;
  /** Values already under the new key (written since the restart, or by an interrupted run). */
  alreadyCurrent: number;
  /** Values neither key opens: named by table, column and row, never by content. */
  unreadable: Array<{ table: string; column: string; row: string }>;
  /** Values still under the old key after the last pass (rewritten under it by a gateway meanwhile): run again. */
  remaining: number;
}

const BATCH = 200;
const PASSES = 3;
const ATTEMPTS_PER_ROW = 5;

type Opener = (value: string, context: string) => string | null;

/**
 * Re-encrypts every stored value from the previous key to the current one, one row at a time:
 * each row's update compares its old text, and a row a running gateway changed meanwhile is read
 * again and retried. The work can stop anywhere, by a kill or a crash, and every value is still
 * under one of the two keys, which a gateway started with both reads. Rows are visited in key
 * order (a deleted row never shifts the next page), and the whole walk is repeated until a pass
 * finds nothing under the old key (at most three passes): `remaining` counts what was still
 * there after the last. Running it again finishes the job; rows under the new key are only read.
 */
export async function rekeyEverything(
  knex: Knex,
  keys: { current: AesGcmCipher; previous: AesGcmCipher },
  onProgress: (done: RekeyProgress) => void = () => undefined,
): Promise<RekeyProgress> {
  const opener =
    (cipher: AesGcmCipher): Opener =>
    (value, context) => {
      try {
        return cipher.decrypt(value, context);
      } catch {
        return null;
      }
    };
  const openCurrent = opener(keys.current);
  const openPrevious = opener(keys.previous);
  const progress: RekeyProgress = { rekeyed: 0, alreadyCurrent: 0, unreadable: [], remaining: 0 };
  for (let pass = 1; pass <= PASSES; pass++) {
    const found = { moved: 0, current: 0, unreadable: [] as RekeyProgress['unreadable'] };
    for (const column of ENCRYPTED_COLUMNS) await walk(knex, column, { openCurrent, openPrevious, current: keys.current }, found, () => onProgress(progress));
    // The first pass reports what it found; later ones only what they moved.
    progress.rekeyed += found.moved;
    if (pass === 1) {
      progress.alreadyCurrent = found.current;
      progress.unreadable = found.unreadable;
    }
    progress.remaining = 0;
    if (found.moved === 0) break;
    if (pass === PASSES) progress.remaining = found.moved;
  }
  return progress;
}

interface Keys {
  openCurrent: Opener;
  openPrevious: Opener;
  current: AesGcmCipher;
}

/** The column's value re-encrypted and how many values that moves, or null when nothing in it is under the old key (counted as current or unreadable). */
function reencrypted(
  column: EncryptedColumn,
  row: Row,
  value: string,
  keys: Keys,
  found: { current: number; unreadable: RekeyProgress['unreadable'] },
  where: string,
): { text: string; values: number } | null {
  let values = 0;
  const one = (v: string, context: string, label: string): string | null => {
    if (keys.openCurrent(v, context) !== null) {
      found.current += 1;
      return null;
    }
    const plaintext = keys.openPrevious(v, context);
    if (plaintext === null) {
      found.unreadable.push({ table: column.table, column: column.column, row: label });
      return null;
    }
    values += 1;
    return keys.current.encrypt(plaintext, context);
  };
  if (!column.map) {
    const text = one(value, column.context(row), where);
    return text === null ? null : { text, values };
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(parseJson<Record<string, string>>(value)))
    out[name] = one(v, column.context(row, name), `${where} header=${name}`) ?? v;
  return values > 0 ? { text: JSON.stringify(out), values } : null;
}

async function walk(
  knex: Knex,
  column: EncryptedColumn,
  keys: Keys,
  found: { moved: number; current: number; unreadable: RekeyProgress['unreadable'] },
  report: () => void,
): Promise<void> {
  const columns = [...new Set([...column.keys, ...(column.byOrganization ? ['organization_id'] : []), column.column])];
  const keyTuple = `(${column.keys.join(', ')})`;
  let last: unknown[] | null = null;
  for (;;) {
    let page = knex(column.table)
      .where(column.where ?? {})
      .whereNotNull(column.column);
    if (last) page = page.whereRaw(`${keyTuple} > (${column.keys.map(() => '?').join(', ')})`, last as Knex.Value[]);
    const rows = (await page.orderBy(column.keys).limit(BATCH).select(columns)) as Row[];
    for (const row of rows) {
      const match = Object.fromEntries(column.keys.map((k) => [k, row[k]]));
      const where = column.keys.map((k) => `${k}=${s(row[k])}`).join(',');
      let value = row[column.column] as string | null;
      for (let attempt = 0; attempt < ATTEMPTS_PER_ROW && value !== null; attempt++) {
        // Only the first look counts what is current or unreadable; a retry is the same value's second look.
        const tally = attempt === 0 ? found : { current: 0, unreadable: [] };
        const next = reencrypted(column, row, value, keys, tally, where);
        if (next === null) break;
        // Compare-and-set: a value a running gateway rewrote meanwhile is read again and retried.
        const updated = await knex(column.table)
          .where(match)
          .where(column.column, value)
          .update({ [column.column]: next.text });
        if (updated > 0) {
          found.moved += next.values;
          break;
        }
        const again = (await knex(column.table).where(match).first(column.column)) as Row | undefined;
        value = again ? ((again[column.column] as string | null) ?? null) : null;
      }
    }
    report();
    if (rows.length < BATCH) return;
    const tail = rows[rows.length - 1]!;
    last = column.keys.map((k) => tail[k]);
  }
}
