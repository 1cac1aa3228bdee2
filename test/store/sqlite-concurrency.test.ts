import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { migrateToLatest, openDatabase } from '../../core/store/database';
import { cli } from '../support/cli';
import { ROOT, startServe, type ServeProcess } from '../support/processes';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

/*
 * Runs `serve` from dist/ (build it first: npx tsc -p tsconfig.build.json). Two processes on one
 * SQLite file is a documented topology (WORKERS=N, or two `serve`s); PostgreSQL has its own test
 * of two instances in test/ops/.
 */
const KEY = Buffer.alloc(32, 23).toString('base64');
const sqliteOnly = testEngine() === 'sqlite' ? describe : describe.skip;

interface Answer {
  status: number;
  body: any;
}

function call(port: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs the tasks with at most `width` in flight at once. */
async function inParallel<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

/** Kills a process and waits for it, also when it has already exited (by a code or a signal). */
function stop(g: ServeProcess): Promise<void> {
  if (g.child.exitCode !== null || g.child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    g.child.once('exit', () => done());
    g.child.kill('SIGKILL');
  });
}

let db: TestDatabase;
let gateways: ServeProcess[] = [];
beforeEach(async () => (db = await createTestDatabase()));
afterEach(async () => {
  await Promise.all(gateways.map(stop));
  gateways = [];
  await db.drop();
});

sqliteOnly('SQLite shared by two processes', () => {
  it('answers 300 concurrent writes split across two serve processes on one file without a single 5xx, and stores every one', async () => {
    const aitronos = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_two', '--json')).stdout).apiKey as string;
    const zudu = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'zudu', '--org', 'org_two', '--json')).stdout);
    const env = { DATABASE_URL: db.url, MCP_GATEWAY_ENCRYPTION_KEY: KEY, MCP_GATEWAY_DEMO: 'false', MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' };
    gateways = await Promise.all([startServe(env), startServe(env)]);
    const ports = gateways.map((g) => g.port);
    const ak = { 'X-API-Key': aitronos };
    const zk = { 'X-API-KEY': zudu.apiKey as string, 'X-API-SECRET': zudu.apiSecret as string };

    // A few servers every process then updates: each update reads the row, then writes it.
    const shared = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        call(ports[i % 2]!, 'POST', '/v1/mcp-configurations', ak, aitronosCreateBody('org_two', { auth_type: 'bearer', credentials: { token: 'first' } })),
      ),
    );
    const sharedIds = shared.map((r) => r.body.id as string);

    const tasks: Array<() => Promise<Answer & { kind: string }>> = [];
    for (let i = 0; i < 300; i += 1) {
      const port = ports[i % 2]!;
      const kind = ['create', 'update', 'secret', 'zudu-create'][i % 4]!;
      tasks.push(async () => {
        const tag = (r: Answer) => ({ ...r, kind });
        switch (kind) {
          case 'create':
            // A bearer token: the secret and the server are written in one transaction.
            return tag(
              await call(
                port,
                'POST',
                '/v1/mcp-configurations',
                ak,
                aitronosCreateBody('org_two', { auth_type: 'bearer', credentials: { token: `tok-${i}` } }),
              ),
            );
          case 'update':
            return tag(await call(port, 'PATCH', `/v1/mcp-configurations/${sharedIds[i % sharedIds.length]}`, ak, { credentials: { token: `rotated-${i}` } }));
          case 'secret':
            return tag(await call(port, 'POST', '/api/secrets', zk, { secret_id: `sec_${i}`, name: `s${i}`, value: `v-${i}` }));
          default:
            return tag(await call(port, 'POST', '/api/mcp-servers', zk, { config: zuduConfig({ request_headers: { 'X-Team': `t${i}` } }) }));
        }
      });
    }
    const answers = await inParallel(tasks, 40);

    const failures = answers.filter((a) => a.status >= 500).map((a) => `${a.kind} ${a.status} ${JSON.stringify(a.body)}`);
    const logged = gateways.flatMap((g) =>
      g
        .stdout()
        .split('\n')
        .filter((line) => line.includes('unexpected error')),
    );
    expect({ failures, logged }).toEqual({ failures: [], logged: [] });
    const byKind = (kind: string) => answers.filter((a) => a.kind === kind).map((a) => a.status);
    expect(byKind('create')).toEqual(Array(75).fill(201));
    expect(byKind('update')).toEqual(Array(75).fill(200));
    expect(new Set(byKind('secret'))).toEqual(new Set([200]));
    expect(new Set(byKind('zudu-create'))).toEqual(new Set([200]));
    // Every acknowledged write is there, whichever process answered it.
    const list = await call(ports[0]!, 'GET', '/v1/mcp-configurations?organization_id=org_two', ak);
    expect(list.body.total).toBe(4 + 75 + 75);
    const secrets = await call(ports[1]!, 'GET', '/api/secrets', zk);
    expect(secrets.body.data.secrets.filter((s: { secret_id: string }) => s.secret_id.startsWith('sec_'))).toHaveLength(75);
  }, 120000);

  it('answers writes with no 5xx while a CLI import in another process writes to the same file, and the import lands whole', async () => {
    const aitronos = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_two', '--json')).stdout).apiKey as string;
    const env = { DATABASE_URL: db.url, MCP_GATEWAY_ENCRYPTION_KEY: KEY, MCP_GATEWAY_DEMO: 'false', MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' };
    gateways = [await startServe(env)];
    const file = join(tmpdir(), `sqlite-concurrency-import-${process.pid}-${Date.now()}.json`);
    // Zudu create bodies with request headers and tokens: every server lands in a transaction.
    writeFileSync(
      file,
      JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ config: zuduConfig({ name: `imported ${i}`, request_headers: { 'X-Team': `t${i}` } }) }))),
    );
    const importer = spawn(process.execPath, [join(ROOT, 'bin', 'mcp-gateway.js'), 'import', file, '--org', 'org_two', '--json'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    importer.stdout.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((done) => importer.once('exit', done));
    const ak = { 'X-API-Key': aitronos };
    const port = gateways[0]!.port;
    const bearer = (token: string) => aitronosCreateBody('org_two', { auth_type: 'bearer', credentials: { token } });
    const shared = await Promise.all([0, 1].map(async (i) => (await call(port, 'POST', '/v1/mcp-configurations', ak, bearer(`first-${i}`))).body.id as string));
    // Creates, and token rotations (each reads the row, then writes: the case a deferred
    // transaction loses), sent until the import has finished (at most 3,000).
    let importing = true;
    void exited.then(() => (importing = false));
    const answers: Answer[] = [];
    let sent = 0;
    const lane = async () => {
      while (importing && sent < 3000) {
        const i = sent++;
        answers.push(
          await (i % 2 === 0
            ? call(port, 'POST', '/v1/mcp-configurations', ak, bearer(`tok-${i}`))
            : call(port, 'PATCH', `/v1/mcp-configurations/${shared[i % 2]}`, ak, { credentials: { token: `rotated-${i}` } })),
        );
      }
    };
    await Promise.all(Array.from({ length: 20 }, lane));
    expect(await exited).toBe(0);
    rmSync(file, { force: true });
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => a.status !== 201 && a.status !== 200).map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    const creates = answers.filter((a) => a.status === 201).length;
    const report = JSON.parse(out);
    expect(report.results.filter((r: { outcome: string }) => r.outcome === 'imported')).toHaveLength(300);
    const list = await call(port, 'GET', '/v1/mcp-configurations?organization_id=org_two&limit=1', ak);
    expect(list.body.total).toBe(300 + 2 + creates);
  }, 120000);

  it('answers 300 concurrent token rotations and secret writes with WORKERS=2 without a single 5xx', async () => {
    const aitronos = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_two', '--json')).stdout).apiKey as string;
    const zudu = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'zudu', '--org', 'org_two', '--json')).stdout);
    const env = {
      DATABASE_URL: db.url,
      MCP_GATEWAY_ENCRYPTION_KEY: KEY,
      MCP_GATEWAY_DEMO: 'false',
      MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
      WORKERS: '2',
    };
    gateways = [await startServe(env, { listeners: 2 })];
    const port = gateways[0]!.port;
    const ak = { 'X-API-Key': aitronos };
    const zk = { 'X-API-KEY': zudu.apiKey as string, 'X-API-SECRET': zudu.apiSecret as string };
    const made = await call(
      port,
      'POST',
      '/v1/mcp-configurations',
      ak,
      aitronosCreateBody('org_two', { auth_type: 'bearer', credentials: { token: 'first' } }),
    );
    const answers = await inParallel(
      Array.from(
        { length: 300 },
        (_, i) => () =>
          i % 2 === 0
            ? call(port, 'PATCH', `/v1/mcp-configurations/${made.body.id}`, ak, { credentials: { token: `rotated-${i}` } })
            : call(port, 'POST', '/api/secrets', zk, { secret_id: `sec_${i}`, name: `s${i}`, value: `v-${i}` }),
      ),
      40,
    );
    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    // Both workers answered.
    expect(new Set([...gateways[0]!.stdout().matchAll(/"pid":(\d+)[^\n]*mcp-gateway listening/g)].map((m) => m[1])).size).toBe(2);
  }, 120000);

  it('reads on the second connection in WAL mode, and that connection refuses writes', async () => {
    const database = openDatabase(db.target);
    try {
      await migrateToLatest(database.knex);
      const reader = database.reader()!;
      expect(reader.get<{ journal_mode: string }>('PRAGMA journal_mode', [])).toEqual({ journal_mode: 'wal' });
      expect(() => reader.all("INSERT INTO rate_limit_counters (key, window_start, hits) VALUES ('k', 0, 1) RETURNING hits", [])).toThrow(
        /readonly|read-only/i,
      );
    } finally {
      await database.close();
    }
  });
});
