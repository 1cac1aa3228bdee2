import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startAskingServer, type AskingServer } from '../support/asking-server';
import { startEverything, type EverythingServer } from '../support/everything-server';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startSilentServer } from '../support/mcp-servers';
import { createViaAitronos, gatewayUrl } from '../support/mcp-endpoint';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let everything: EverythingServer;
let everythingSse: EverythingServer;
let modern: ModernServer;
let asking: AskingServer;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  [everything, everythingSse, modern, asking] = await Promise.all([
    startEverything('streamableHttp'),
    startEverything('sse'),
    startModernServer({ legacy: 'reject' }),
    startAskingServer(),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all([everything.close(), everythingSse.close(), modern.close(), asking.close()]);
  await gw.close();
});

interface Answers {
  elicit?: (params: Record<string, unknown>) => Record<string, unknown>;
  sample?: (params: Record<string, unknown>) => Record<string, unknown>;
  roots?: Array<{ uri: string; name: string }>;
}

/** A 2025-line SDK client that can answer what a server asks (as Claude Desktop, VS Code and Cursor can), recording each question. */
async function askingAgent(url: string, headers: Record<string, string>, answers: Answers) {
  const capabilities = {
    ...(answers.elicit ? { elicitation: {} } : {}),
    ...(answers.sample ? { sampling: {} } : {}),
    ...(answers.roots ? { roots: { listChanged: true } } : {}),
  };
  const client = new Client({ name: 'asking-agent', version: '1' }, { capabilities });
  const asked: Array<{ method: string; params: Record<string, unknown> }> = [];
  if (answers.elicit)
    client.setRequestHandler(ElicitRequestSchema, async (r) => {
      asked.push({ method: r.method, params: r.params });
      return answers.elicit!(r.params) as never;
    });
  if (answers.sample)
    client.setRequestHandler(CreateMessageRequestSchema, async (r) => {
      asked.push({ method: r.method, params: r.params });
      return answers.sample!(r.params) as never;
    });
  if (answers.roots)
    client.setRequestHandler(ListRootsRequestSchema, async (r) => {
      asked.push({ method: r.method, params: r.params ?? {} });
      return { roots: answers.roots! };
    });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  clients.push(client);
  return { client, asked, sessionId: () => transport.sessionId };
}

const textOf = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('\n');

describe('server-to-client requests reach 2025-era agents through the gateway', () => {
  it('relays server-everything’s elicitation to the agent and the agent’s answer back, over Streamable HTTP and SSE', async () => {
    for (const [upstream, transport] of [
      [everything, 'streamable_http'],
      [everythingSse, 'sse'],
    ] as const) {
      const { key } = await gw.aitronosKey({ orgs: ['org-ask'] });
      const id = await createViaAitronos(gw, key, 'org-ask', upstream.url, { transport_type: transport });
      const agent = await askingAgent(
        gatewayUrl(gw, `/mcp/${id}`),
        { Authorization: `Bearer ${key}` },
        {
          elicit: () => ({ action: 'accept', content: { name: 'Ada Lovelace' } }),
        },
      );
      const listed = (await agent.client.listTools()).tools.map((t) => t.name);
      // server-everything offers this tool only to clients that declared elicitation: the agent's capabilities reached it.
      expect(listed).toContain('trigger-elicitation-request');
      const result = await agent.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      expect(agent.asked.map((a) => a.method)).toEqual(['elicitation/create']);
      expect(agent.asked[0]!.params.message).toBe('Please provide inputs for the following fields:');
      expect(textOf(result)).toContain('Ada Lovelace');
    }
  }, 60_000);

  it('relays sampling and roots requests', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-sample'] });
    const id = await createViaAitronos(gw, key, 'org-sample', everything.url);
    const agent = await askingAgent(
      gatewayUrl(gw, `/mcp/${id}`),
      { Authorization: `Bearer ${key}` },
      {
        sample: () => ({ model: 'agent-model-7', role: 'assistant', content: { type: 'text', text: 'sampled by the agent' } }),
        roots: [{ uri: 'file:///work/project-x', name: 'project-x' }],
      },
    );
    const sampled = await agent.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'Summarize', maxTokens: 20 } });
    expect(textOf(sampled)).toContain('sampled by the agent');
    expect(textOf(sampled)).toContain('agent-model-7');
    const roots = await agent.client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(textOf(roots)).toContain('file:///work/project-x');
    expect(agent.asked.map((a) => a.method)).toContain('sampling/createMessage');
    expect(agent.asked.map((a) => a.method)).toContain('roots/list');
  }, 60_000);

  it('answers a 2026-07-28 upstream’s input_required with the 2025-era agent’s elicitation, then retries with its answer', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-bridge'] });
    const id = await createViaAitronos(gw, key, 'org-bridge', modern.url);
    const agent = await askingAgent(
      gatewayUrl(gw, `/mcp/${id}`),
      { Authorization: `Bearer ${key}` },
      {
        elicit: () => ({ action: 'accept', content: { ok: true } }),
      },
    );
    const result = await agent.client.callTool({ name: 'confirm', arguments: {} });
    expect(agent.asked).toEqual([{ method: 'elicitation/create', params: expect.objectContaining({ message: 'Proceed?' }) }]);
    expect(textOf(result)).toBe('answered accept {"ok":true} with state state-from-upstream');
  }, 30_000);

  it('scrubs the stored credential out of what the upstream asks, and passes the agent’s answer on', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-scrub-ask'] });
    const id = await createViaAitronos(gw, key, 'org-scrub-ask', asking.url, { auth_type: 'bearer', credentials: { token: 'stored-bearer-secret-4242' } });
    const agent = await askingAgent(
      gatewayUrl(gw, `/mcp/${id}`),
      { Authorization: `Bearer ${key}` },
      {
        elicit: () => ({ action: 'accept', content: { reply: 'yes, go' } }),
      },
    );
    const result = await agent.client.callTool({ name: 'ask', arguments: { question: 'Delete the branch?' } });
    const message = String(agent.asked[0]!.params.message);
    expect(message).toContain('Delete the branch?');
    // The upstream repeated its request headers: the stored bearer reached it, and never the agent.
    expect(message).toContain('Bearer ');
    expect(message).not.toContain('stored-bearer-secret-4242');
    expect(textOf(result)).toBe('user said accept: {"reply":"yes, go"}');
  }, 30_000);

  it('does not offer the upstream an agent that declared nothing: such tools are not listed, and nothing is asked', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-plain'] });
    const id = await createViaAitronos(gw, key, 'org-plain', everything.url);
    const agent = await askingAgent(gatewayUrl(gw, `/mcp/${id}`), { Authorization: `Bearer ${key}` }, {});
    const listed = (await agent.client.listTools()).tools.map((t) => t.name);
    expect(listed).toContain('echo');
    expect(listed).not.toContain('trigger-elicitation-request');
    expect(listed).not.toContain('trigger-sampling-request');
  }, 30_000);

  it('ends the upstream session of each asking call’s own connection when the call is over', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-ask-sessions'] });
    const id = await createViaAitronos(gw, key, 'org-ask-sessions', asking.url);
    const agent = await askingAgent(
      gatewayUrl(gw, `/mcp/${id}`),
      { Authorization: `Bearer ${key}` },
      {
        elicit: () => ({ action: 'accept', content: { reply: 'ok' } }),
      },
    );
    await agent.client.listTools();
    const before = asking.openSessions;
    for (let i = 0; i < 3; i += 1) await agent.client.callTool({ name: 'ask', arguments: { question: `Go ${i}?` } });
    expect(asking.openSessions).toBe(before);
  }, 30_000);

  it('answers asking calls to an upstream that just failed to connect from the 5 s negative cache, without dialling again', async () => {
    const silent = await startSilentServer();
    const slowGw = await startTestGateway({ allowedHosts: '127.0.0.1', probeTimeoutMs: 500 });
    try {
      const { key } = await slowGw.aitronosKey({ orgs: ['org-dead-ask'] });
      const id = await createViaAitronos(slowGw, key, 'org-dead-ask', silent.url);
      const agent = await askingAgent(gatewayUrl(slowGw, `/mcp/${id}`), { Authorization: `Bearer ${key}` }, { elicit: () => ({ action: 'decline' }) });
      const first = await agent.client.callTool({ name: 'anything', arguments: {} }).catch((error: { code?: number }) => error);
      expect(first).toMatchObject({ code: -32033 });
      const dialled = silent.hits;
      const second = await agent.client.callTool({ name: 'anything', arguments: {} }).catch((error: { code?: number }) => error);
      expect(second).toMatchObject({ code: -32033 });
      expect(silent.hits).toBe(dialled);
    } finally {
      await slowGw.close();
      await silent.close();
    }
  }, 30_000);
});
