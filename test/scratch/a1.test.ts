import { startAskingServer, type AskingServer } from '../support/asking-server';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { createViaAitronos, gatewayUrl } from '../support/mcp-endpoint';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let asking: AskingServer;
let modern: ModernServer;
beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', proxy: { callTimeoutMs: 3000 } });
  asking = await startAskingServer();
  modern = await startModernServer({ legacy: 'stateless' });
});
afterAll(async () => {
  await asking.close();
  await modern.close();
  await gw.close();
});
const H = (key: string, session?: string, extra: Record<string, string> = {}): Record<string, string> => ({
  Authorization: `Bearer ${key}`,
  Accept: 'application/json, text/event-stream',
  'Content-Type': 'application/json',
  'MCP-Protocol-Version': '2025-06-18',
  ...(session ? { 'Mcp-Session-Id': session } : {}),
  ...extra,
});
const init = (params: unknown, id: unknown = 1) => ({ jsonrpc: '2.0', id, method: 'initialize', params });
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

it('malformed initialize', async () => {
  const { key } = await gw.aitronosKey({ orgs: ['org-a'] });
  const id = await createViaAitronos(gw, key, 'org-a', modern.url);
  const url = gatewayUrl(gw, `/mcp/${id}`);
  const count = async () => Number((await gw.services.db.knex('agent_sessions').where({ key_id: (await gw.services.db.knex('agent_sessions').first())?.key_id ?? '' }).count({ n: '*' }))[0]!.n);
  const cases: Array<[string, unknown]> = [
    ['toString obj', init({ ...goodParams, protocolVersion: { toString: 1 } })],
    ['pv object', init({ ...goodParams, protocolVersion: { a: 1 } })],
    ['no clientInfo', init({ protocolVersion: '2025-06-18', capabilities: {} })],
    ['no params', { jsonrpc: '2.0', id: 1, method: 'initialize' }],
    ['params string', init('x')],
    ['params null', init(null)],
    ['notification', { jsonrpc: '2.0', method: 'initialize', params: goodParams }],
    ['caps toString', init({ ...goodParams, capabilities: { elicitation: { toString: 1, form: 1 }, roots: { listChanged: { x: 1 } } } })],
    ['caps __proto__', '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":"a","version":"1"},"capabilities":{"__proto__":{"elicitation":{}},"elicitation":{"__proto__":{"form":{}}}}}}'],
    ['id object', init(goodParams, { a: 1 })],
    ['pv huge', init({ ...goodParams, protocolVersion: 'x'.repeat(500000) })],
  ];
  for (const [name, body] of cases) {
    const before = await gw.services.db.knex('agent_sessions').count({ n: '*' });
    const r = await post(url, H(key), body);
    const text = await r.text();
    const after = await gw.services.db.knex('agent_sessions').count({ n: '*' });
    console.log(name, r.status, r.headers.get('mcp-session-id'), text.slice(0, 300), 'sessions', before[0]!.n, '->', after[0]!.n);
  }
  void count;
});

it('weird session headers and bodies', async () => {
  const { key } = await gw.aitronosKey({ orgs: ['org-b'] });
  const id = await createViaAitronos(gw, key, 'org-b', modern.url);
  const url = gatewayUrl(gw, `/mcp/${id}`);
  const r0 = await post(url, H(key), init(goodParams));
  await r0.text();
  const sid = r0.headers.get('mcp-session-id')!;
  const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
  const hs: Array<[string, Record<string, string>, unknown]> = [
    ['long', H(key, 'a'.repeat(8000)), list],
    ['empty', H(key, ''), list],
    ['dup', H(key, `${sid}, ${sid}`), list],
    ['valid', H(key, sid), list],
    ['resp id number', H(key, sid), { jsonrpc: '2.0', id: 5, result: {} }],
    ['resp no session', H(key), { jsonrpc: '2.0', id: 'gw-' + '0'.repeat(32), result: {} }],
    ['resp error weird', H(key, sid), { jsonrpc: '2.0', id: 'gw-' + '0'.repeat(32), error: { code: 1.5, message: 'x' } }],
    ['resp both', H(key, sid), { jsonrpc: '2.0', id: 'gw-' + '0'.repeat(32), error: { code: 1, message: 'x' }, result: {} }],
    ['resp null id', H(key, sid), { jsonrpc: '2.0', id: null, error: { code: 1, message: 'x' } }],
    ['resp no jsonrpc', H(key, sid), { id: 'gw-' + '1'.repeat(32), result: {} }],
    ['resp no proto header', { ...H(key, sid), 'MCP-Protocol-Version': '' }, { jsonrpc: '2.0', id: 'gw-' + '2'.repeat(32), result: {} }],
    ['resp modern header', { ...H(key, sid), 'MCP-Protocol-Version': '2026-07-28' }, { jsonrpc: '2.0', id: 'gw-' + '3'.repeat(32), result: {} }],
    ['string body', H(key, sid), '"hello"'],
    ['number body', H(key, sid), '42'],
    ['null body', H(key, sid), 'null'],
    ['bad json', H(key, sid), '{'],
    ['empty obj', H(key, sid), {}],
    ['method null', H(key, sid), { jsonrpc: '2.0', id: 3, method: null }],
    ['method num', H(key, sid), { jsonrpc: '2.0', id: 3, method: 5 }],
  ];
  for (const [name, headers, body] of hs) {
    const r = await post(url, headers, body);
    console.log(name, r.status, (await r.text()).slice(0, 250));
  }
  const put = await fetch(url, { method: 'PUT', headers: H(key, sid), body: '{}' });
  console.log('PUT', put.status, await put.text());
  const del = await fetch(url, { method: 'DELETE', headers: H(key, 'x') });
  console.log('DELETE bad', del.status, await del.text());
  const rows = await gw.services.db.knex('agent_replies').select('id', 'key_id');
  console.log('stored replies', rows);
});
