import { startAskingServer, type AskingServer } from '../../support/asking-server';
import { createViaAitronos, gatewayUrl } from '../../support/mcp-endpoint';
import { startTestGateway, type TestGateway } from '../../support/test-gateway';

let gw: TestGateway;
let upstream: AskingServer;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  upstream = await startAskingServer();
});
afterAll(async () => {
  await upstream.close();
  await gw.close();
});

const headers = (key: string, session?: string): Record<string, string> => ({
  Authorization: `Bearer ${key}`,
  Accept: 'application/json, text/event-stream',
  'Content-Type': 'application/json',
  'MCP-Protocol-Version': '2025-06-18',
  ...(session ? { 'Mcp-Session-Id': session } : {}),
});

async function openSession(url: string, key: string): Promise<string> {
  const opened = await fetch(url, {
    method: 'POST',
    headers: headers(key),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  await opened.text();
  return opened.headers.get('mcp-session-id')!;
}

/** Reads SSE events off a response body, one at a time. */
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

const reply = (url: string, key: string, session: string | undefined, body: unknown) =>
  fetch(url, { method: 'POST', headers: headers(key, session), body: JSON.stringify(body) });

describe('an agent’s answers to what an upstream asks', () => {
  it('reach the asking call only from the key that was asked, in the session it was asked in; a malformed answer is refused', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-answers'] });
    const { key: intruder } = await gw.aitronosKey({ orgs: ['org-answers'] });
    const id = await createViaAitronos(gw, key, 'org-answers', upstream.url);
    const url = gatewayUrl(gw, `/mcp/${id}`);
    const mine = await openSession(url, key);
    const mySecond = await openSession(url, key);
    const theirs = await openSession(url, intruder);

    const call = await fetch(url, {
      method: 'POST',
      headers: headers(key, mine),
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Merge?' } } }),
    });
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    const next = events(call.body!);
    const asked = await next();
    expect(asked).toMatchObject({ method: 'elicitation/create' });
    const relayId = asked.id as string;
    // The question goes out under an id nobody could guess, not the SDK's counter.
    expect(relayId).toMatch(/^gw-[0-9a-f]{32}$/);

    const answer = (text: string) => ({ jsonrpc: '2.0', id: relayId, result: { action: 'accept', content: { reply: text } } });
    // Another key in its own session, or the same key in another session: not a question asked there.
    expect((await reply(url, intruder, theirs, answer('from the intruder'))).status).toBe(400);
    expect((await reply(url, key, mySecond, answer('from another session'))).status).toBe(400);
    // Another key with the asker's session: that session does not exist for it.
    expect((await reply(url, intruder, mine, answer('from the intruder'))).status).toBe(404);
    // No session at all, or a malformed answer: refused.
    expect((await reply(url, key, undefined, answer('no session'))).status).toBe(400);
    expect((await reply(url, key, mine, { jsonrpc: '2.0', id: relayId, result: 'not an object' })).status).toBe(400);
    expect((await reply(url, key, mine, { jsonrpc: '2.0', id: 12, result: {} })).status).toBe(400);

    expect((await reply(url, key, mine, answer('from the asker'))).status).toBe(202);
    const result = await next();
    expect(result).toMatchObject({ id: 7, result: { content: [{ type: 'text', text: 'user said accept: {"reply":"from the asker"}' }] } });
  }, 30_000);
});
