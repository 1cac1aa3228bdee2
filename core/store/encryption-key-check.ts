import { KEY_CHECK_CONTEXT } from '../secrets/contexts';
import type { Knex } from 'knex';
import type { Cipher } from '../ports';

const META_KEY = KEY_CHECK_CONTEXT;
const PROBE = 'mcp-gateway encryption key check';

/**
 * Stores a value encrypted under the configured key on first use, and checks it on every later
 * start, so a wrong MCP_GATEWAY_ENCRYPTION_KEY stops the process instead of failing requests.
 */
export async function verifyEncryptionKey(knex: Knex, cipher: Cipher): Promise<void> {
  const row = (await knex('gateway_meta').where({ key: META_KEY }).first()) as { value: string } | undefined;
  if (!row) {
    await knex('gateway_meta')
      .insert({ key: META_KEY, value: cipher.encrypt(PROBE, META_KEY) })
      .onConflict('key')
      .ignore();
    return;
  }
  let matches = false;
  try {
    matches = cipher.decrypt(row.value, META_KEY) === PROBE;
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new Error('MCP_GATEWAY_ENCRYPTION_KEY does not match the key this database was encrypted with; start with the original key');
  }
}
