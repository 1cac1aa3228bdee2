import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServe, type ServeProcess } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const BIN = join(ROOT, 'bin', 'mcp-gateway.js');
const stop = (p: ServeProcess) => p.signal('SIGTERM');

let db: TestDatabase;
beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'server', 'main.js'))) throw new Error('dist/ is missing: npm test builds it first (npm run build)');
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('mcp-gateway serve, as a real process', () => {
  it('prints demo keys for both dialects on the first start that work at once, prints none on the next start, and exits 0 on SIGTERM', async () => {
    const env: Record<string, string> = { DATABASE_URL: db.url, LOG_LEVEL: 'info' };
    if (db.engine === 'postgres') env.MCP_GATEWAY_ENCRYPTION_KEY = Buffer.alloc(32, 9).toString('base64');

    const first = await startServe(env);
    const key = /Aitronos key: (ak_[A-Za-z0-9_-]+)/.exec(first.stdout())?.[1];
    expect(key).toBeDefined();
    const base = `http://127.0.0.1:${first.port}`;
    const created = await fetch(`${base}/v1/mcp-configurations`, {
      method: 'POST',
      headers: { 'X-API-Key': key!, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'e2e', organization_id: 'org_demo', server_url: 'https://e2e.example.com/mcp', transport_type: 'sse', auth_type: 'none' }),
    });
    expect(created.status).toBe(201);
    const zuduKey = /Zudu key: +(sk_[A-Za-z0-9_-]+)/.exec(first.stdout())?.[1];
    const zuduSecret = /Zudu secret: +(s3cr3t_[A-Za-z0-9_-]+)/.exec(first.stdout())?.[1];
    const zuduList = await fetch(`${base}/api/mcp-servers`, { headers: { 'X-API-KEY': zuduKey!, 'X-API-SECRET': zuduSecret! } });
    expect(((await zuduList.json()) as { data: { total_count: number } }).data.total_count).toBe(1);
    // The console works from the built package: its page, and a sign-in with the printed pair.
    const page = await fetch(`${base}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/console/assets/console.js');
    expect((await fetch(`${base}/console/assets/console.js`)).status).toBe(200);
    const signIn = await fetch(`${base}/console/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: zuduKey, secret: zuduSecret }),
    });
    expect(signIn.status).toBe(201);
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const consoleList = await fetch(`${base}/console/api/servers`, { headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken } });
    expect(((await consoleList.json()) as { total: number }).total).toBe(1);
    expect(await stop(first)).toBe(0);

    const second = await startServe(env);
    expect(second.stdout()).not.toMatch(/Aitronos key:/);
    const listed = await fetch(`http://127.0.0.1:${second.port}/v1/mcp-configurations?organization_id=org_demo`, { headers: { 'X-API-Key': key! } });
    expect(((await listed.json()) as { total: number }).total).toBe(1);
    expect(await stop(second)).toBe(0);
  });

  it('refuses to start on PostgreSQL without an encryption key, naming the variable', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' },
    });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/MCP_GATEWAY_ENCRYPTION_KEY is required with PostgreSQL/);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
