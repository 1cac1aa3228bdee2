/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Browser, Page } from 'playwright-core';
import { canRunChromium, launchChromium } from '../support/chromium';
import { gatewayUrl } from '../support/mcp-endpoint';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const inBrowser = canRunChromium() ? describe : describe.skip;

let gw: TestGateway;
let up: ModernServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', approvals: { ttlMs: 120_000 } });
  up = await startModernServer({ legacy: 'stateless' });
  base = gatewayUrl(gw, '');
  mkdirSync(ARTIFACTS, { recursive: true });
  if (canRunChromium()) browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await up.close();
  await gw.close();
});

const org = () => `org-ui-${Math.random().toString(36).slice(2, 8)}`;

/** A fresh browser context (its own cookies), signed in with a key through the sign-in form. */
async function signedIn(key: string, secret?: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // Answers the page expects (a 400 for a form error, a 401 once signed out) are not problems; script errors are.
  page.on(
    'console',
    (m) => m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && problems.push(m.text()),
  );
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${base}/console/`);
  await page.getByLabel('API key').fill(key);
  if (secret) await page.getByLabel(/API secret/).fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Servers' }).waitFor();
  return { page, problems };
}

const zuduSecretOf = (headers: Record<string, string>) => [headers['X-API-KEY']!, headers['X-API-SECRET']!] as const;

inBrowser('the operator console in headless Chromium', () => {
  it('signs in with a Zudu key pair, and the key is nowhere in the page’s storage', async () => {
    const o = org();
    const zudu = await gw.zuduKey(o);
    const [key, secret] = zuduSecretOf(zudu.headers);
    const { page, problems } = await signedIn(key, secret);
    await page.getByText(`Organization ${o}`).waitFor();
    const storage = await page.evaluate(() =>
      JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage }, c: document.cookie, html: document.documentElement.outerHTML }),
    );
    expect(storage).not.toContain(key);
    expect(storage).not.toContain(secret);
    expect(storage).not.toContain('mcpgw_console'); // HTTP-only: no script reads the session cookie
    // Sign-out ends it: a reload asks to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('signs in with an Aitronos key, creates a server through the form (the Zudu API sees it), shows form errors by their field, and renders a hostile name as text', async () => {
    const o = org();
    const admin = await gw.aitronosKey({ orgs: [o] });
    const { page, problems } = await signedIn(admin.key);
    await page.getByText('No servers in this organization yet').waitFor();

    await page.getByRole('link', { name: 'New server' }).click();
    await page.getByLabel('Name', { exact: true }).fill('from-the-form');
    await page.getByLabel('URL').fill('ftp://not-http');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('URL must be a valid HTTP/HTTPS URL').waitFor();
    expect(await page.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('URL').fill('https://form.example.com/mcp');
    await page.getByLabel('Authentication').selectOption('bearer');
    await page.getByLabel('Token').fill('tok-typed-in-the-form');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'from-the-form' }).waitFor();
    expect(await page.content()).not.toContain('tok-typed-in-the-form');

    const zudu = await gw.zuduKey(o);
    const listed = await gw.http.get('/api/mcp-servers').set(zudu.headers);
    expect(listed.body.data.servers).toEqual([expect.objectContaining({ server_name: 'from-the-form', server_url: 'https://form.example.com/mcp' })]);

    const hostile = '<img src=x onerror="window.__xss=1">';
    await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .send({ config: { name: hostile, url: 'https://xss.example.com/mcp', transport: 'SSE', description: '<script>window.__xss=2</script>' } });
    await page.getByRole('link', { name: 'Servers', exact: true }).click();
    const link = page.getByRole('link', { name: hostile });
    await link.waitFor();
    await link.click();
    await page.getByRole('heading', { name: hostile }).waitFor();
    expect(await page.getByText('<script>window.__xss=2</script>').count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('main img').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('tests a live MCP server and shows its tools; a 320 px wide screen shows the list without sideways scrolling', async () => {
    const o = org();
    const admin = await gw.aitronosKey({ orgs: [o] });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .send({ organization_id: o, name: 'live-one', server_url: up.url, transport_type: 'streamable_http', auth_type: 'none' });
    expect(created.status).toBe(201);
    const { page, problems } = await signedIn(admin.key);
    await page.getByRole('link', { name: 'live-one' }).click();
    await page.getByText('No tools discovered yet').waitFor();
    await page.getByRole('button', { name: 'Test now' }).click();
    await page.locator('#test-outcome .notice.ok').waitFor();
    await page.locator('#tools').getByText('echo', { exact: true }).waitFor();
    expect(await page.locator('#tools tbody tr').count()).toBeGreaterThan(1);
    await page.screenshot({ path: join(ARTIFACTS, 'console-server.png'), fullPage: true });

    await page.getByRole('link', { name: 'Servers', exact: true }).click();
    await page.getByRole('link', { name: 'live-one' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-servers.png'), fullPage: true });
    await page.setViewportSize({ width: 320, height: 640 });
    const wide = await page.evaluate(() =>
      Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > 321)
        .map((el) => `${el.tagName}.${el.className}#${el.id}`),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.screenshot({ path: join(ARTIFACTS, 'console-servers-320px.png'), fullPage: true });
    // Every control has a label a screen reader announces.
    const unlabelled = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll('input, select, textarea, button')).filter(
          (el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label') && !el.textContent?.trim(),
        ).length,
    );
    expect(unlabelled).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows a held call in the approvals queue without a reload, and the waiting agent’s call succeeds once approved there', async () => {
    const o = org();
    const admin = await gw.aitronosKey({ orgs: [o] });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .send({ organization_id: o, name: 'held', server_url: up.url, transport_type: 'streamable_http', auth_type: 'none' });
    const zudu = await gw.zuduKey(o);
    expect(
      (await gw.http.patch(`/api/mcp-servers/${created.body.id}/approval-policy`).set(zudu.headers).send({ approval_policy: 'require_approval_all' })).status,
    ).toBe(200);
    const caller = await gw.aitronosKey({ orgs: [o], role: 'member' });

    const { page, problems } = await signedIn(admin.key);
    await page.getByRole('link', { name: /^Approvals/ }).click();
    await page.getByText('Nothing is waiting for a decision').waitFor();

    // A 2025-era agent that waits: it is asked (elicitation) and answers once the person has decided.
    const agent = new LegacyClient({ name: 'waiting-agent', version: '1' }, { capabilities: { elicitation: { form: {}, url: {} } } });
    agent.setRequestHandler(ElicitRequestSchema, async (request) => {
      const id = String((request.params as { elicitationId?: string }).elicitationId);
      for (let i = 0; i < 200 && (await gw.services.approvals.statusOf(id)) === 'pending'; i++) await new Promise((r) => setTimeout(r, 100));
      return { action: 'accept' } as never;
    });
    await agent.connect(
      new LegacyTransport(new URL(gatewayUrl(gw, `/mcp/${created.body.id}`)), { requestInit: { headers: { Authorization: `Bearer ${caller.key}` } } }),
    );
    try {
      const call = agent.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
      const card = page.getByRole('region', { name: /Approval request apr_/ });
      await card.waitFor({ timeout: 15_000 });
      await card.getByText('"a": 20').waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'console-approvals.png'), fullPage: true });
      await card.getByRole('button', { name: 'Approve', exact: true }).click();
      expect(await call).toMatchObject({ structuredContent: { sum: 42 } });
      await page.getByText('Nothing is waiting for a decision').waitFor();
    } finally {
      await agent.close();
    }
    // The audit view shows the decision and the chain's verification.
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByText(/Chain intact/).waitFor();
    await page.getByText('approval.approved').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-audit.png'), fullPage: true });
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByLabel('Name').fill('shared-token');
    await page.getByLabel(/Value/).fill('secret-typed-in');
    await page.getByRole('button', { name: 'Add secret' }).click();
    await page.getByRole('region', { name: 'Secret shared-token' }).waitFor();
    expect(await page.content()).not.toContain('secret-typed-in');
    await page.screenshot({ path: join(ARTIFACTS, 'console-secrets.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('edits a per-user OAuth server’s name without touching its authorization settings', async () => {
    const o = org();
    const admin = await gw.aitronosKey({ orgs: [o] });
    const { page, problems } = await signedIn(admin.key);
    const id = await page.evaluate(async (organizationId) => {
      const { csrfToken } = await (await fetch('/console/api/session')).json();
      const res = await fetch('/console/api/servers', {
        method: 'POST',
        headers: { 'X-CSRF-Token': csrfToken, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          organizationId,
          name: 'per-user',
          url: 'https://oauth.example.com/mcp',
          auth: { type: 'oauth', credentials: { grantType: 'authorization_code', perUser: true, clientId: 'registered-client', scope: 'read' } },
        }),
      });
      return (await res.json()).id as string;
    }, o);
    await page.goto(`${base}/console/#/servers/${id}/edit`);
    await page.getByLabel('Name', { exact: true }).fill('per-user renamed');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'per-user renamed' }).waitFor();
    const stored = await gw.services.registry.get({ keyId: admin.id, userId: admin.userId, organizationIds: [o], role: 'admin' }, id);
    expect(stored.auth).toEqual({ type: 'oauth', grant: 'authorization_code', perUser: true, clientId: 'registered-client', scope: 'read' });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows a member no admin-only control, and the API refuses the member anyway', async () => {
    const o = org();
    const admin = await gw.aitronosKey({ orgs: [o] });
    const server = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .send({ organization_id: o, name: 'admins-own', server_url: 'https://a.example.com/mcp', transport_type: 'sse', auth_type: 'none' });
    const member = await gw.aitronosKey({ orgs: [o], role: 'member' });
    const { page } = await signedIn(member.key);
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await page.getByRole('link', { name: 'admins-own' }).click();
    await page.getByRole('button', { name: 'Test now' }).waitFor();
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    // The same session, asking the API directly as a page script would.
    const statuses = await page.evaluate(async (id) => {
      const { csrfToken } = await (await fetch('/console/api/session')).json();
      const headers = { 'X-CSRF-Token': csrfToken, 'Content-Type': 'application/json' };
      const audit = await fetch('/console/api/audit', { headers });
      const del = await fetch(`/console/api/servers/${id}`, { method: 'DELETE', headers });
      return [audit.status, del.status];
    }, server.body.id as string);
    expect(statuses).toEqual([403, 403]);
    await page.context().close();
  }, 60_000);
});
