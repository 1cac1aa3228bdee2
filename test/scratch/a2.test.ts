import { startAskingServer, type AskingServer } from '../support/asking-server';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { createViaAitronos, gatewayUrl } from '../support/mcp-endpoint';
import { startTestGateway, type TestGateway } from '../support/test-gateway';
import { newRelayId } from '../../core/proxy/agent-replies';

let gw: TestGateway;
let asking: AskingServer;
let modern: ModernServer;
beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', proxy: { callTimeoutMs: 2000 } });
  asking = await startAskingServer();
  modern = await startModernServer({ legacy: 'stateless' });
});
afterAll(async () => {
  await asking.close();
  await modern.close();
  await gw.close();
});
const H = (key: string, session?: string): Record<string, string> => ({
  Authorization: `Bearer ${key}`,
  Accept: 'application/json, text/event-stream',
  'Content-Type': 'application/json',
  'MCP-Protocol-Version': '2025-06-18',
  ...(session ? { 'Mcp-Session-Id': session } : {}),
});
const goodParams = { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'raw', version: '1' } };
function events(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async (): Promise<Record<string, unknown>> => {
    for (;;) {
      const match = /(^|\n)data: (.*)\n\n/.exec(buffer);
      if (match) {
        buffer = buffer.slice(match.index + match[0].length);
        return JSON.parse(match[2]!);
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}
const post = (url: string, headers: Record<string, string>, body: unknown) => fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
async function open(url: string, key: string, params: unknown = goodParams) {
  const r = await post(url, H(key), { jsonrpc: '2.0', id: 1, method: 'initialize', params });
  await r.text();
  return r.headers.get('mcp-session-id')!;
}
const waiting = () => (gw.services.proxy.replies as unknown as { waiting: Map<string, unknown> }).waiting.size;

it('500 logs', async () => {
  const { key } = await gw.aitronosKey({ orgs: ['org-l'] });
  const id = await createViaAitronos(gw, key, 'org-l', modern.url);
  const n = gw.logs.length;
  const r = await post(gatewayUrl(gw, `/mcp/${id}`), H(key), { jsonrpc: '2.0', id: 1, method: 'initialize', params: { ...goodParams, protocolVersion: { toString: 1 } } });
  console.log(r.status, await r.text(), gw.logs.slice(n).join('\n').slice(0, 3000));
});

it('same key, other session on other endpoint answers', async () => {
  const { key } = await gw.aitronosKey({ orgs: ['org-x'] });
  const id = await createViaAitronos(gw, key, 'org-x', asking.url);
  const other = await createViaAitronos(gw, key, 'org-x', modern.url);
  const url = gatewayUrl(gw, `/mcp/${id}`);
  const mine = await open(url, key);
  const elsewhere = await open(gatewayUrl(gw, `/mcp/${other}`), key, { ...goodParams, capabilities: {} });
  const orgSess = await open(gatewayUrl(gw, `/mcp/orgs/org-x`), key, { ...goodParams, capabilities: {} });
  const call = await post(url, H(key, mine), { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Merge?' } } });
  const next = events(call.body!);
  const asked = await next();
  const relayId = asked.id as string;
  const r = await post(gatewayUrl(gw, `/mcp/orgs/org-x`), H(key, orgSess), { jsonrpc: '2.0', id: relayId, result: { action: 'accept', content: { reply: 'from another endpoint/session w/o capabilities' } } });
  console.log('answer from other endpoint', r.status);
  console.log('result', JSON.stringify(await next()));
  void elsewhere;
});

it('waiters after agent never answers, and after upstream returns without waiting', async () => {
  const { key } = await gw.aitronosKey({ orgs: ['org-w'] });
  const id = await createViaAitronos(gw, key, 'org-w', asking.url);
  const url = gatewayUrl(gw, `/mcp/${id}`);
  const mine = await open(url, key);
  console.log('waiting before', waiting());
  const call = await post(url, H(key, mine), { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Merge?' } } });
  const next = events(call.body!);
  const asked = await next();
  console.log('asked', asked.method, 'waiting during', waiting());
  const t0 = Date.now();
  try { console.log('result', JSON.stringify(await next()).slice(0, 300), Date.now() - t0); } catch (e) { console.log('stream', String(e), Date.now() - t0); }
  await new Promise((r) => setTimeout(r, 500));
  console.log('waiting after', waiting());
});

it('agent disconnects mid-question', async () => {
  const { key } = await gw.aitronosKey({ orgs: ['org-d'] });
  const id = await createViaAitronos(gw, key, 'org-d', asking.url);
  const url = gatewayUrl(gw, `/mcp/${id}`);
  const mine = await open(url, key);
  const ac = new AbortController();
  const call = await fetch(url, { method: 'POST', headers: H(key, mine), signal: ac.signal, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Merge?' } } }) });
  const next = events(call.body!);
  await next();
  console.log('waiting during', waiting());
  ac.abort();
  await new Promise((r) => setTimeout(r, 3000));
  console.log('waiting after abort', waiting());
});

it('race past 64 stored', async () => {
  const { key } = await gw.aitronosKey({ orgs: ['org-r'] });
  const id = await createViaAitronos(gw, key, 'org-r', modern.url);
  const url = gatewayUrl(gw, `/mcp/${id}`);
  const s = await open(url, key);
  const big = 'x'.repeat(900_000);
  const t0 = Date.now();
  const rs = await Promise.all(Array.from({ length: 200 }, () => post(url, H(key, s), { jsonrpc: '2.0', id: newRelayId(), result: { big } }).then((r) => r.status)));
  const n = await gw.services.db.knex('agent_replies').where({ key_id: (await gw.services.db.knex('agent_sessions').where({ target: `server:${id}` }).first()).key_id }).count({ n: '*' });
  const size = await gw.services.db.knex('agent_replies').sum({ s: gw.services.db.knex.raw('length(body)') });
  console.log('statuses', [...new Set(rs)], 'stored rows', n[0]!.n, 'bytes', size[0]!.s, Date.now() - t0, 'ms');
}, 60_000);
