import { systemClock } from '../../core/ports';
import { AgentSessions } from '../../core/proxy/agent-sessions';
import { KnexAgentSessionStore } from '../../core/store/agent-sessions.knex-store';
import { connectAgent } from '../support/mcp-clients';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { createViaAitronos, gatewayUrl } from '../support/mcp-endpoint';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let upstream: ModernServer;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', proxy: { sessionIdleMs: 1500 } });
  upstream = await startModernServer({ legacy: 'stateless' });
});
afterAll(async () => {
  await upstream.close();
  await gw.close();
});

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'raw', version: '1' } },
};
const listTools = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
const post = (path: string, key: string, session?: string) => {
  const request = gw.http
    .post(path)
    .set('Accept', 'application/json, text/event-stream')
    .set('Content-Type', 'application/json')
    .set('Authorization', `Bearer ${key}`)
    .set('MCP-Protocol-Version', '2025-06-18');
  return session ? request.set('Mcp-Session-Id', session) : request;
};
/** The JSON-RPC message of an answer, whether it came as JSON or as one SSE event. */
const messageOf = (answer: { text: string }) => JSON.parse(answer.text.startsWith('{') ? answer.text : /^data: (.*)$/m.exec(answer.text)![1]!);

async function openSession(key: string, path: string): Promise<string> {
  const opened = await post(path, key).send(initialize);
  expect(opened.status).toBe(200);
  const session = opened.headers['mcp-session-id'] as string;
  expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return session;
}

describe('2025-era sessions of the MCP endpoint', () => {
  it('opens a session on initialize, serves requests that carry it, ends it on DELETE (404 after), and answers GET with 405', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-session'] });
    const id = await createViaAitronos(gw, key, 'org-session', upstream.url);
    const session = await openSession(key, `/mcp/${id}`);
    const listed = await post(`/mcp/${id}`, key, session).send(listTools);
    expect(listed.status).toBe(200);
    expect(messageOf(listed).result.tools.map((t: { name: string }) => t.name)).toContain('echo');

    const get = await gw.http.get(`/mcp/${id}`).set('Authorization', `Bearer ${key}`).set('Accept', 'text/event-stream').set('Mcp-Session-Id', session);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST, DELETE');

    const ended = await gw.http.delete(`/mcp/${id}`).set('Authorization', `Bearer ${key}`).set('Mcp-Session-Id', session);
    expect(ended.status).toBe(200);
    const after = await post(`/mcp/${id}`, key, session).send(listTools);
    expect(after.status).toBe(404);
    expect(after.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32001 } });
    expect((await gw.http.delete(`/mcp/${id}`).set('Authorization', `Bearer ${key}`).set('Mcp-Session-Id', session)).status).toBe(404);
  });

  it('binds a session to its key and its endpoint: another key of the organization, or another endpoint, meets 404 as for an unknown id', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-bound'] });
    const { key: colleague } = await gw.aitronosKey({ orgs: ['org-bound'] });
    const id = await createViaAitronos(gw, key, 'org-bound', upstream.url);
    const other = await createViaAitronos(gw, key, 'org-bound', upstream.url);
    const session = await openSession(key, `/mcp/${id}`);
    const unknown = await post(`/mcp/${id}`, key, 'A'.repeat(43)).send(listTools);
    for (const answer of [
      await post(`/mcp/${id}`, colleague, session).send(listTools),
      await post(`/mcp/${other}`, key, session).send(listTools),
      await post('/mcp/orgs/org-bound', key, session).send(listTools),
      await post(`/mcp/${id}`, key, 'not a session id').send(listTools),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual(unknown.body);
    }
    expect((await gw.http.delete(`/mcp/${id}`).set('Authorization', `Bearer ${colleague}`).set('Mcp-Session-Id', session)).status).toBe(404);
    // The colleague's DELETE ended nothing.
    expect((await post(`/mcp/${id}`, key, session).send(listTools)).status).toBe(200);
  });

  it('ends a session left idle longer than MCP_GATEWAY_MCP_SESSION_IDLE_MS; a session in use stays', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-idle'] });
    const id = await createViaAitronos(gw, key, 'org-idle', upstream.url);
    const idle = await openSession(key, `/mcp/${id}`);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect((await post(`/mcp/${id}`, key, idle).send(listTools)).status).toBe(404);
  });

  it('keeps a hash of each session id in the database, never the id, and only the capabilities the gateway relays', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-hash'] });
    const id = await createViaAitronos(gw, key, 'org-hash', upstream.url);
    const opened = await post(`/mcp/${id}`, key).send({
      ...initialize,
      params: { ...initialize.params, capabilities: { elicitation: { form: {}, extra: 'x'.repeat(10_000) }, experimental: { anything: true }, roots: {} } },
    });
    const session = opened.headers['mcp-session-id'] as string;
    const rows = await gw.services.db.knex('agent_sessions').select();
    const text = JSON.stringify(rows);
    expect(text).not.toContain(session);
    const row = rows.find((r: { target: string }) => r.target === `server:${id}`);
    expect(JSON.parse(row.input_capabilities)).toEqual({ elicitation: { form: {} }, roots: {} });
  });

  it('still serves a 2025-era request that carries no session id (a stateless client)', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-sessionless'] });
    const id = await createViaAitronos(gw, key, 'org-sessionless', upstream.url);
    const listed = await post(`/mcp/${id}`, key).send(listTools);
    expect(listed.status).toBe(200);
    expect(messageOf(listed).result.tools.length).toBeGreaterThan(0);
  });

  it('lets the official 2025-line client run a whole session on one stored session', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-sdk-session'] });
    const id = await createViaAitronos(gw, key, 'org-sdk-session', upstream.url);
    const agent = await connectAgent('legacy', gatewayUrl(gw, `/mcp/${id}`), { Authorization: `Bearer ${key}` });
    const before = await gw.services.db
      .knex('agent_sessions')
      .where({ target: `server:${id}` })
      .count({ n: '*' });
    expect(Number(before[0]!.n)).toBe(1);
    expect(await agent.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).toMatchObject({ structuredContent: { sum: 5 } });
    await agent.close();
  });

  it('relays a 2025 notifications/cancelled, whichever instance it reaches, to the call it names, which stops upstream', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-cancel-note'] });
    const id = await createViaAitronos(gw, key, 'org-cancel-note', upstream.url);
    const session = await openSession(key, `/mcp/${id}`);
    const url = gatewayUrl(gw, `/mcp/${id}`);
    const headers = {
      Authorization: `Bearer ${key}`,
      Accept: 'application/json, text/event-stream',
      'Content-Type': 'application/json',
      'MCP-Protocol-Version': '2025-06-18',
      'Mcp-Session-Id': session,
    };
    const before = upstream.cancelled;
    const slowCalls = upstream.calls.slow ?? 0;
    // The call's own connection stays open: only the notification can stop it.
    const call = fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'call-41', method: 'tools/call', params: { name: 'slow', arguments: { ms: 10_000 } } }),
    });
    for (let i = 0; i < 100 && (upstream.calls.slow ?? 0) === slowCalls; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const note = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'call-41', reason: 'user pressed stop' } }),
    });
    expect(note.status).toBe(202);
    for (let i = 0; i < 100 && upstream.cancelled === before; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(upstream.cancelled).toBe(before + 1);
    await (await call).text().catch(() => undefined);
  });

  it('keeps a session in use alive under a short idle limit (its use is written well within the limit)', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-busy'] });
    const id = await createViaAitronos(gw, key, 'org-busy', upstream.url);
    const busy = await openSession(key, `/mcp/${id}`);
    for (let i = 0; i < 8; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await post(`/mcp/${id}`, key, busy).send(listTools)).status).toBe(200);
    }
  });

  it('opens no session for a malformed initialize, and answers it without a 500', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-bad-init'] });
    const id = await createViaAitronos(gw, key, 'org-bad-init', upstream.url);
    for (const params of [
      { protocolVersion: { toString: 1 }, capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      { protocolVersion: '2025-06-18', capabilities: {} },
      { protocolVersion: '2025-06-18', capabilities: 'all', clientInfo: { name: 'x', version: '1' } },
    ]) {
      const answer = await post(`/mcp/${id}`, key).send({ ...initialize, params });
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers['mcp-session-id']).toBeUndefined();
    }
    const stored = await gw.services.db
      .knex('agent_sessions')
      .where({ target: `server:${id}` })
      .count({ n: '*' });
    expect(Number(stored[0]!.n)).toBe(0);
  });

  it('holds at most 1,000 sessions per key: opening one more ends the least recently used', async () => {
    // Sessions as the endpoint keeps them, with an idle limit longer than the test takes.
    const sessions = new AgentSessions(new KnexAgentSessionStore(gw.services.db.knex), systemClock, { sessionIdleMs: 3_600_000 });
    const first = await sessions.open('key_many', 'server:mcp_many', '2025-06-18', {});
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 1000; i += 1) await sessions.open('key_many', 'server:mcp_many', '2025-06-18', {});
    expect(await sessions.find(first, 'key_many', 'server:mcp_many')).toBeNull();
    const held = await gw.services.db.knex('agent_sessions').where({ key_id: 'key_many' }).count({ n: '*' });
    expect(Number(held[0]!.n)).toBe(1000);
  }, 60_000);
});
