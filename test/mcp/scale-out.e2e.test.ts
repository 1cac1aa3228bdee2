import { createServer, request, type Server } from 'node:http';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { cli } from '../support/cli';
import { connectAgent, type AgentEra } from '../support/mcp-clients';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startServe, type ServeProcess } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const KEY = Buffer.alloc(32, 13).toString('base64');

/** A round-robin balancer without sticky sessions: each request goes to the next instance, whatever came before. */
async function roundRobin(
  ports: number[],
): Promise<{ url: string; served: number[]; routed: Array<{ instance: number; body: string }>; close(): Promise<void> }> {
  const served = ports.map(() => 0);
  const routed: Array<{ instance: number; body: string }> = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const i = next;
    next = (next + 1) % ports.length;
    served[i]! += 1;
    const entry = { instance: i, body: '' };
    routed.push(entry);
    req.on('data', (chunk: Buffer) => {
      entry.body += chunk.toString();
    });
    const forwarded = request({ host: '127.0.0.1', port: ports[i], method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    served,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const onPostgres = process.env.MCP_TEST_ENGINE === 'postgres' ? describe : describe.skip;
onPostgres('two gateway instances on one PostgreSQL database, behind a round-robin balancer', () => {
  let db: TestDatabase;
  let upstream: ModernServer;
  let instances: ServeProcess[];
  beforeAll(async () => {
    db = await createTestDatabase();
    upstream = await startModernServer({ legacy: 'stateless' });
    const env = { DATABASE_URL: db.url, MCP_GATEWAY_ENCRYPTION_KEY: KEY, MCP_GATEWAY_DEMO: 'false', MCP_GATEWAY_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'info' };
    instances = [await startServe(env), await startServe(env)];
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.signal('SIGKILL')));
    await upstream.close();
    await db.drop();
  });

  it.each(['legacy', 'modern'] as const)(
    'serve one %s-era agent session whichever instance gets each request',
    async (era: AgentEra) => {
      const created = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', `org_scale_${era}`, '--json')).stdout);
      const balancer = await roundRobin(instances.map((i) => i.port));
      try {
        const made = await fetch(`${balancer.url}/v1/mcp-configurations`, {
          method: 'POST',
          headers: { 'X-API-Key': created.apiKey, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            organization_id: `org_scale_${era}`,
            name: 'shared',
            server_url: upstream.url,
            transport_type: 'streamable_http',
            auth_type: 'none',
          }),
        });
        const id = ((await made.json()) as { id: string }).id;
        const before = [...balancer.served];
        const agent = await connectAgent(era, `${balancer.url}/mcp/${id}`, { Authorization: `Bearer ${created.apiKey}` });
        try {
          expect((await agent.listTools()).tools.map((t) => t.name).sort()).toEqual(['add', 'confirm', 'echo', 'hang', 'slow']);
          for (let i = 0; i < 6; i += 1)
            expect(await agent.callTool({ name: 'add', arguments: { a: i, b: 1 } })).toMatchObject({ content: [{ text: String(i + 1) }] });
        } finally {
          await agent.close();
        }
        // Both instances served this one session's requests.
        const during = balancer.served.map((n, i) => n - before[i]!);
        expect(during.every((n) => n >= 3)).toBe(true);
      } finally {
        await balancer.close();
      }
    },
    60_000,
  );

  it('relays an upstream’s question to a 2025-era agent, and the agent’s answer back, when the answer reaches the other instance', async () => {
    const created = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_scale_ask', '--json')).stdout);
    const balancer = await roundRobin(instances.map((i) => i.port));
    const client = new LegacyClient({ name: 'asking-agent', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { ok: true } }));
    try {
      const made = await fetch(`${balancer.url}/v1/mcp-configurations`, {
        method: 'POST',
        headers: { 'X-API-Key': created.apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          organization_id: 'org_scale_ask',
          name: 'asking',
          server_url: upstream.url,
          transport_type: 'streamable_http',
          auth_type: 'none',
        }),
      });
      const id = ((await made.json()) as { id: string }).id;
      await client.connect(
        new LegacyTransport(new URL(`${balancer.url}/mcp/${id}`), { requestInit: { headers: { Authorization: `Bearer ${created.apiKey}` } } }),
      );
      for (let i = 0; i < 4; i += 1) {
        const result = await client.callTool({ name: 'confirm', arguments: {} });
        expect(result.content).toEqual([{ type: 'text', text: 'answered accept {"ok":true} with state state-from-upstream' }]);
      }
      // Each answer was posted to the instance that did not ask.
      const calls = balancer.routed.filter((r) => r.body.includes('"tools/call"'));
      const answers = balancer.routed.filter((r) => r.body.includes('"result"') && !r.body.includes('"method"'));
      expect(answers).toHaveLength(4);
      const crossed = answers.filter((answer, n) => answer.instance !== calls[n]!.instance);
      expect(crossed.length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
      await balancer.close();
    }
  }, 60_000);

  /** A Zudu pair for the organization, as request headers. */
  async function zuduPair(org: string): Promise<Record<string, string>> {
    const created = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'zudu', '--org', org, '--json')).stdout);
    return { 'X-API-KEY': created.apiKey, 'X-API-SECRET': created.apiSecret };
  }

  it('decides a call held on one instance through the other, and the call waiting on the first proceeds', async () => {
    const org = 'org_scale_approval';
    const caller = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', org, '--role', 'member', '--json')).stdout);
    const admin = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', org, '--json')).stdout);
    const [first, second] = instances.map((i) => `http://127.0.0.1:${i.port}`);
    const made = await fetch(`${first}/v1/mcp-configurations`, {
      method: 'POST',
      headers: { 'X-API-Key': admin.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ organization_id: org, name: 'held', server_url: upstream.url, transport_type: 'streamable_http', auth_type: 'none' }),
    });
    const id = ((await made.json()) as { id: string }).id;
    await fetch(`${second}/api/mcp-servers/${id}/approval-policy`, {
      method: 'PATCH',
      headers: { ...(await zuduPair(org)), 'Content-Type': 'application/json' },
      body: JSON.stringify({ approval_policy: 'require_approval_all' }),
    });
    // The agent talks to the first instance only; every decision goes through the second.
    const client = new LegacyClient({ name: 'waiting-agent', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      // Form mode (the agent declared no URL mode): the message names the request.
      const requestId = /(apr_[0-9a-f]+)/.exec(request.params.message)![1];
      const decided = await fetch(`${second}/v1/approval-requests/${requestId}/approve`, {
        method: 'POST',
        headers: { 'X-API-Key': admin.apiKey, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(decided.status).toBe(200);
      return { action: 'accept' };
    });
    try {
      await client.connect(new LegacyTransport(new URL(`${first}/mcp/${id}`), { requestInit: { headers: { Authorization: `Bearer ${caller.apiKey}` } } }));
      const result = await client.callTool({ name: 'add', arguments: { a: 19, b: 23 } });
      expect(result.structuredContent).toEqual({ sum: 42 });
    } finally {
      await client.close();
    }
  }, 60_000);

  it('keeps one organization’s audit chain linear under concurrent writers on both instances', async () => {
    const org = 'org_scale_chain';
    const admin = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', org, '--json')).stdout);
    const balancer = await roundRobin(instances.map((i) => i.port));
    try {
      const created = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`${balancer.url}/v1/mcp-configurations`, {
            method: 'POST',
            headers: { 'X-API-Key': admin.apiKey, 'Content-Type': 'application/json' },
            body: JSON.stringify({ organization_id: org, name: `w${i}`, server_url: upstream.url, transport_type: 'streamable_http', auth_type: 'none' }),
          }).then((r) => r.status),
        ),
      );
      expect(created.every((status) => status === 201)).toBe(true);
      expect(balancer.served.every((n) => n >= 15)).toBe(true);
    } finally {
      await balancer.close();
    }
    const verified = await cli(db.url, KEY, 'audit', 'verify', '--org', org, '--json');
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ intact: true, checked: 41, head: 41 });
  }, 60_000);
});
