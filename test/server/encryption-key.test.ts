import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseDatabaseUrl } from '../../core/store/database';
import { openGateway, randomEncryptionKey } from '../../server/gateway';
import { createTestDatabase, testEngine } from '../support/test-database';

const logger = pino({ level: 'silent' });

const onSqlite = testEngine() === 'sqlite' ? describe : describe.skip;

onSqlite('the key file beside an SQLite database', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created with mode 0600 on first start and reused on the next', async () => {
    const database = parseDatabaseUrl(`sqlite:${join(dir, 'db.sqlite')}`)!;
    const first = await openGateway({ database, encryptionKey: null, logger });
    await first.close();
    const keyFile = join(dir, 'db.sqlite.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const content = readFileSync(keyFile, 'utf8');
    const second = await openGateway({ database, encryptionKey: null, logger });
    await second.close();
    expect(readFileSync(keyFile, 'utf8')).toBe(content);
  });
});

describe('a database encrypted under one key', () => {
  it('refuses to open with another key, and says which variable is wrong', async () => {
    const db = await createTestDatabase();
    try {
      const key = randomEncryptionKey();
      await (await openGateway({ database: db.target, encryptionKey: key, logger })).close();
      await expect(openGateway({ database: db.target, encryptionKey: randomEncryptionKey(), logger })).rejects.toThrow(
        /MCP_GATEWAY_ENCRYPTION_KEY does not match/,
      );
      await (await openGateway({ database: db.target, encryptionKey: key, logger })).close();
    } finally {
      await db.drop();
    }
  });
});
