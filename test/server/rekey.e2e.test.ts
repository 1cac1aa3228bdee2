import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import type { Principal } from '../../core/model/principal';
import { AesGcmCipher } from '../../core/secrets/aes-gcm-cipher';
import { secretContext } from '../../core/secrets/contexts';
import { KeyRingCipher } from '../../core/secrets/key-ring';
import { ENCRYPTED_COLUMNS } from '../../core/store/rekey';
import { openGateway, randomEncryptionKey } from '../../server/gateway';
import { cli } from '../support/cli';
import { ROOT } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const BIN = join(ROOT, 'bin', 'mcp-gateway.js');
const ORG = 'org_rekey';
const admin: Principal = { keyId: 'key_test', userId: 'usr_test', organizationIds: [ORG], role: 'admin' };
const OLD = randomEncryptionKey();
const NEW = randomEncryptionKey();
const b64 = (key: Buffer) => key.toString('base64');
const silent = pino({ level: 'silent' });

let db: TestDatabase;
beforeEach(async () => (db = await createTestDatabase()));
afterEach(() => db.drop());

/** Under the old key: org secrets, an inline token, request headers, and `extra` more secrets written straight to the table. */
async function seedUnderOldKey(extra = 0): Promise<number> {
  const gateway = await openGateway({ database: db.target, encryptionKey: OLD, logger: silent });
  try {
    await gateway.secrets.create(admin, ORG, { id: 'shared', name: 'shared', value: 'shared-value' });
    await gateway.registry.create(admin, {
      organizationId: ORG,
      name: 'with-secrets',
      url: 'https://rekey.example.com/mcp',
      transport: 'streamable_http',
      auth: { type: 'bearer', credentials: { token: 'inline-token' } },
      requestHeaders: { 'X-Team': 'team-value', 'X-Other': 'other-value' },
    });
    const template = (await gateway.db.knex('secrets').where({ organization_id: ORG, id: 'shared' }).first()) as Record<string, unknown>;
    const cipher = new AesGcmCipher(OLD);
    for (let i = 0; i < extra; i += 500) {
      const rows = Array.from({ length: Math.min(500, extra - i) }, (_, j) => {
        const id = `bulk_${String(i + j).padStart(6, '0')}`;
        return { ...template, id, name: id, ciphertext: cipher.encrypt(`value-${i + j}`, secretContext(ORG, id)) };
      });
      await gateway.db.knex('secrets').insert(rows);
    }
  } finally {
    await gateway.close();
  }
  return extra;
}

/** Every stored encrypted value, opened by `cipher`: how many open, and which do not. */
async function openEverything(cipher: { decrypt(v: string, aad: string): string }) {
  const gateway = await openGateway({ database: db.target, encryptionKey: NEW, previousEncryptionKey: OLD, logger: silent });
  let opened = 0;
  const failed: string[] = [];
  try {
    for (const column of ENCRYPTED_COLUMNS) {
      const rows = (await gateway.db
        .knex(column.table)
        .where(column.where ?? {})
        .whereNotNull(column.column)) as Array<Record<string, unknown>>;
      for (const row of rows) {
        const value = row[column.column] as string;
        const pairs: Array<[string, string]> = column.map
          ? Object.entries(JSON.parse(value) as Record<string, string>).map(([name, v]) => [v, column.context(row, name)])
          : [[value, column.context(row)]];
        for (const [v, context] of pairs) {
          try {
            cipher.decrypt(v, context);
            opened += 1;
          } catch {
            failed.push(`${column.table}.${column.column}`);
          }
        }
      }
    }
  } finally {
    await gateway.close();
  }
  return { opened, failed };
}

async function rekeyInProcess() {
  process.env.MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY = b64(OLD);
  try {
    return await cli(db.url, b64(NEW), 'secrets', 'rekey');
  } finally {
    delete process.env.MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY;
  }
}

describe('secrets rekey', () => {
  it('moves every encrypted value to the new key; then the new key alone starts the gateway and the old one no longer does', async () => {
    await seedUnderOldKey();
    const before = await openEverything(new AesGcmCipher(OLD));
    expect(before.failed).toEqual([]);
    // Two org secrets (shared, and the inline token's), two header values, the key check.
    expect(before.opened).toBe(5);

    const run = await rekeyInProcess();
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('re-encrypted 5 value(s); 0 already under the new key');
    expect(await openEverything(new AesGcmCipher(NEW))).toEqual({ opened: 5, failed: [] });
    expect((await openEverything(new AesGcmCipher(OLD))).opened).toBe(0);

    const fresh = await openGateway({ database: db.target, encryptionKey: NEW, logger: silent });
    const servers = await fresh.registry.list(admin, { organizationId: ORG });
    expect(servers.items.map((s) => s.name)).toEqual(['with-secrets']);
    await fresh.close();
    await expect(openGateway({ database: db.target, encryptionKey: OLD, logger: silent })).rejects.toThrow(/does not match/);

    // Again: nothing left to move.
    expect((await rekeyInProcess()).stdout).toContain('re-encrypted 0 value(s); 5 already under the new key');
  });

  it('refuses to run without both keys, naming them', async () => {
    await seedUnderOldKey();
    const run = await cli(db.url, b64(NEW), 'secrets', 'rekey');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/MCP_GATEWAY_ENCRYPTION_KEY|MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY/);
  });

  it('killed midway, leaves every value readable by a gateway holding both keys, and a second run finishes the job', async () => {
    const extra = await seedUnderOldKey(6000);
    const total = extra + 5;
    const child = spawn(process.execPath, [BIN, 'secrets', 'rekey'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, MCP_GATEWAY_ENCRYPTION_KEY: b64(NEW), MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY: b64(OLD) },
    });
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    child.stdout.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Kill it once some, not all, values have moved (the bulk secrets go first, in id order).
    const newCipher = new AesGcmCipher(NEW);
    const probe = await openGateway({ database: db.target, encryptionKey: NEW, previousEncryptionKey: OLD, logger: silent });
    let killedAt = -1;
    try {
      for (let i = 0; i < 3000 && killedAt < 0; i++) {
        const row = (await probe.db.knex('secrets').where({ organization_id: ORG, id: 'bulk_000300' }).first()) as { ciphertext: string };
        let moved = true;
        try {
          newCipher.decrypt(row.ciphertext, secretContext(ORG, 'bulk_000300'));
        } catch {
          moved = false;
        }
        if (moved) {
          child.kill('SIGKILL');
          killedAt = i;
        } else await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await probe.close();
    }
    if (killedAt < 0) throw new Error(`the rekey ended before it could be killed midway: ${output}`);
    expect(killedAt).toBeGreaterThanOrEqual(0);
    expect(await exited).toBeNull();

    const underNew = (await openEverything(newCipher)).opened;
    expect(underNew).toBeGreaterThan(0);
    expect(underNew).toBeLessThan(total);
    expect(await openEverything(new KeyRingCipher(NEW, OLD))).toEqual({ opened: total, failed: [] });

    const second = await rekeyInProcess();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`re-encrypted ${total - underNew} value(s); ${underNew} already under the new key`);
    expect(await openEverything(newCipher)).toEqual({ opened: total, failed: [] });
  }, 120_000);
});
