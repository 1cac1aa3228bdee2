import pino from 'pino';
import supertest from 'supertest';
import { assembleGateway } from '../../server/assemble';
import { cli } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
const KEY = Buffer.alloc(32, 3).toString('base64');
const run = (...argv: string[]) => cli(db.url, KEY, ...argv);

beforeAll(async () => (db = await createTestDatabase()));
afterAll(() => db.drop());

/** A running app over the same database the CLI writes to. */
async function withApp<T>(work: (http: ReturnType<typeof supertest>) => Promise<T>): Promise<T> {
  const { app, services } = await assembleGateway({
    database: db.target,
    encryptionKey: Buffer.from(KEY, 'base64'),
    logger: pino({ level: 'silent' }),
    rateLimitPerMinute: 0,
    sharedRateLimits: false,
    validateResponses: true,
  });
  try {
    return await work(supertest(app));
  } finally {
    await services.close();
  }
}

describe('mcp-gateway keys create', () => {
  it('prints one JSON object with --json, with the documented fields and defaults', async () => {
    const { code, stdout } = await run('keys', 'create', '--dialect', 'aitronos', '--org', 'org_cli', '--json');
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed).toEqual({
      dialect: 'aitronos',
      id: expect.stringMatching(/^key_/),
      apiKey: expect.stringMatching(/^ak_[A-Za-z0-9_-]{40,}$/),
      userId: expect.stringMatching(/^usr_/),
      organizationIds: ['org_cli'],
      role: 'admin',
    });
  });

  it('takes several organizations, a user and a role, and the key works at once', async () => {
    const { stdout } = await run(
      'keys',
      'create',
      '--dialect',
      'aitronos',
      '--org',
      'org_1',
      '--org',
      'org_2',
      '--user',
      'usr_alice',
      '--role',
      'member',
      '--json',
    );
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({ organizationIds: ['org_1', 'org_2'], userId: 'usr_alice', role: 'member' });
    await withApp(async (http) => {
      const res = await http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', printed.apiKey)
        .send({ name: 'cli made', organization_id: 'org_2', server_url: 'https://a.example.com/mcp', transport_type: 'sse', auth_type: 'none' });
      expect(res.status).toBe(201);
      expect(res.body.userId).toBe('usr_alice');
    });
  });

  it('prints the key for a person without --json, once, with a warning to store it', async () => {
    const { code, stdout } = await run('keys', 'create', '--dialect', 'aitronos', '--org', 'org_cli');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Store it now/);
    expect(stdout).toMatch(/ak_[A-Za-z0-9_-]{40,}/);
  });

  it.each([
    [['keys', 'create', '--org', 'org_x'], /dialect/],
    [['keys', 'create', '--dialect', 'aitronos'], /--org/],
    [['keys', 'create', '--dialect', 'klingon', '--org', 'o'], /klingon/],
    [['keys', 'create', '--dialect', 'aitronos', '--org', 'o', '--role', 'owner'], /owner/],
    [['keys', 'create', '--dialect', 'aitronos', '--org', 'bad org id'], /not a valid organization id/],
  ])('refuses %j with a non-zero exit and a message', async (argv, message) => {
    const { code, stderr } = await run(...argv);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
  });
});

describe('mcp-gateway keys list and revoke', () => {
  it('lists keys by id and prefix without the key itself, and a revoked key gets 401 at once', async () => {
    const created = JSON.parse((await run('keys', 'create', '--dialect', 'aitronos', '--org', 'org_rev', '--json')).stdout);
    const listed = JSON.parse((await run('keys', 'list', '--json')).stdout) as Array<Record<string, unknown>>;
    const entry = listed.find((k) => k.id === created.id);
    expect(entry).toMatchObject({ dialect: 'aitronos', organizationIds: ['org_rev'], role: 'admin', revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.apiKey);
    expect((await run('keys', 'list')).stdout).toContain(created.id);

    await withApp(async (http) => {
      const list = () => http.get('/v1/mcp-configurations').query({ organization_id: 'org_rev' }).set('X-API-Key', created.apiKey);
      expect((await list()).status).toBe(200);
      const revoked = await run('keys', 'revoke', created.id);
      expect(revoked.code).toBe(0);
      expect((await list()).status).toBe(401);
    });
    const after = JSON.parse((await run('keys', 'list', '--json')).stdout) as Array<Record<string, unknown>>;
    expect(after.find((k) => k.id === created.id)?.revokedAt).toEqual(expect.any(String));
  });

  it('says so when the key to revoke does not exist', async () => {
    const { code, stderr } = await run('keys', 'revoke', 'key_missing');
    expect(code).toBe(1);
    expect(stderr).toMatch(/key_missing/);
  });
});
