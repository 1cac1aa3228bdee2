import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * A caller without a valid key gets 401 in its dialect whatever body it sends, and the gateway
 * never parses that body: the key is checked before the body is read.
 */
const OVER_ONE_MB = `{"name":"${'x'.repeat(1024 * 1024 + 10)}"}`;
const BODIES: Array<[string, string, string]> = [
  ['malformed JSON', 'application/json', '{"name": "x",'],
  ['a body over 1 MB', 'application/json', OVER_ONE_MB],
  ['a body of the wrong type', 'text/plain', 'name=x'],
  ['a compressed body', 'application/json', 'not really gzip'],
  ['valid JSON the contract refuses', 'application/json', JSON.stringify({ name: 42, transport_type: 'carrier-pigeon' })],
];

const AITRONOS_401 = { success: false, error: expect.objectContaining({ type: 'authentication_error', status: 401 }) };
const ZUDU_401 = { message: 'Unauthorized', status: 'error', error: 'Missing or invalid API key/secret', request_id: expect.any(String) };

function post(gw: TestGateway, path: string, contentType: string, body: string, headers: Record<string, string> = {}) {
  const req = gw.http.post(path).set(headers).set('Content-Type', contentType);
  if (body === 'not really gzip') req.set('Content-Encoding', 'gzip');
  return req.send(body);
}

/** Sends a request head and only the start of its body, and reads one answer (bounded by 3 s). */
function partialRequest(port: number, head: string, firstBytes: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 3 s; received so far: ${JSON.stringify(received.slice(0, 200))}`));
    }, 3000);
    socket.setEncoding('latin1');
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received += chunk;
      const [headPart, body = ''] = received.split('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(headPart ?? '')?.[1] ?? NaN);
      if (Number.isFinite(length) && Buffer.byteLength(body, 'latin1') >= length) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(headPart!.split(' ')[1]), text: body });
      }
    });
    socket.write(head + firstBytes);
  });
}

describe('authentication comes before the body', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await startTestGateway()));
  afterAll(() => gw.close());

  it.each(BODIES)('answers %s with no key on /v1 with 401 in the Aitronos envelope', async (_label, type, body) => {
    const res = await post(gw, '/v1/mcp-configurations', type, body);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject(AITRONOS_401);
    expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
  });

  it.each(BODIES)('answers %s with a made-up key on /v1 with 401 INVALID_API_KEY', async (_label, type, body) => {
    const res = await post(gw, '/v1/mcp-configurations', type, body, { 'X-API-Key': 'ak_made_up_key' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject(AITRONOS_401);
    expect(res.body.error.code).toBe('INVALID_API_KEY');
  });

  it.each(BODIES)('answers %s with no or a wrong Zudu pair on /api with 401 in the Zudu envelope', async (_label, type, body) => {
    const pair = await gw.zuduKey('org_body');
    const attempts: Array<Record<string, string>> = [{}, { 'X-API-KEY': pair.headers['X-API-KEY']!, 'X-API-SECRET': 's3cr3t_wrong' }];
    for (const headers of attempts) {
      const res = await post(gw, '/api/mcp-servers', type, body, headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(ZUDU_401);
    }
  });

  it.each([
    ['/v1/mcp-configurations', {}],
    ['/api/mcp-servers', { 'X-API-KEY': 'sk_made_up', 'X-API-SECRET': 's3cr3t_made_up' }],
  ])('answers %s with 401 before the body has arrived, so the body is never read', async (path, headers) => {
    const port = (gw.server.address() as AddressInfo).port;
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n${extra}\r\n`;
    const res = await partialRequest(port, head, '{"name": "');
    expect(res.status).toBe(401);
  });

  it('reads at most 1 MB more of a refused request body, then closes the connection', async () => {
    const port = (gw.server.address() as AddressInfo).port;
    const serverSockets: Socket[] = [];
    const onConnection = (socket: Socket) => serverSockets.push(socket);
    gw.server.on('connection', onConnection);
    try {
      const client = connect({ port, host: '127.0.0.1' });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.on('error', () => undefined);
      client.on('data', () => undefined);
      client.write(`POST /v1/mcp-configurations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      // 64 MB at most, in 64 KB writes; the loop stops as soon as the server has closed.
      let serverClosed = false;
      void closed.then(() => (serverClosed = true));
      for (let i = 0; i < 1024 && !serverClosed && !client.destroyed; i += 1) {
        if (!client.write(chunk)) await Promise.race([new Promise((r) => client.once('drain', r)), closed, sleep(2000)]);
      }
      await Promise.race([closed, sleep(3000)]);
      expect(serverClosed).toBe(true);
      expect(serverSockets).toHaveLength(1);
      expect(serverSockets[0]!.destroyed).toBe(true);
      expect(serverSockets[0]!.bytesRead).toBeLessThan(2 * 1024 * 1024);
    } finally {
      gw.server.off('connection', onConnection);
    }
  });

  it('still parses and checks the body of an authenticated caller: 400/422 for bad bodies, 413 over 1 MB, in each dialect', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org_body'] });
    const malformed = await post(gw, '/v1/mcp-configurations', 'application/json', '{"name": "x",', { 'X-API-Key': key });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error).toMatchObject({ code: 'VALIDATION_ERROR', system_message: 'The request body is not valid JSON' });
    const invalid = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody('org_body', { server_url: 'ftp://x' }));
    expect(invalid.status).toBe(422);
    const huge = await post(gw, '/v1/mcp-configurations', 'application/json', OVER_ONE_MB, { 'X-API-Key': key });
    expect(huge.status).toBe(413);
    const zudu = await gw.zuduKey('org_body');
    const zuduMalformed = await post(gw, '/api/mcp-servers', 'application/json', '{"config": ', zudu.headers);
    expect(zuduMalformed.status).toBe(400);
    expect(zuduMalformed.body).toMatchObject({ message: 'Validation failed', status: 'error' });
    // Zudu's documented curl examples send JSON as form data; that keeps working.
    const curlStyle = await post(
      gw,
      '/api/mcp-servers',
      'application/x-www-form-urlencoded',
      JSON.stringify({ config: zuduConfig({ name: 'curl-style' }) }),
      zudu.headers,
    );
    expect(curlStyle.status).toBe(200);
    const zuduHuge = await post(gw, '/api/mcp-servers', 'application/json', OVER_ONE_MB, zudu.headers);
    expect(zuduHuge.status).toBe(413);
  });
});

describe('failed authentications with a body', () => {
  it.each<[string, Record<string, string>]>([
    ['/v1/mcp-configurations', { 'X-API-Key': 'ak_made_up' }],
    ['/api/mcp-servers', { 'X-API-KEY': 'sk_made_up', 'X-API-SECRET': 's3cr3t_made_up' }],
  ])('count against the address on %s whatever the body, so malformed bodies cannot escape the limit', async (path, headers) => {
    const gw = await startTestGateway({ rateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      const bodies = ['{"name": "x",', OVER_ONE_MB, '[]', 'null'];
      for (const body of bodies) statuses.push((await post(gw, path, 'application/json', body, headers)).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await gw.close();
    }
  });

  it('leave the per-key limit to verified keys: a key over its limit gets 429 before its body is parsed', async () => {
    const gw = await startTestGateway({ rateLimitPerMinute: 2, sharedRateLimitStore: true });
    try {
      const { key } = await gw.aitronosKey({ orgs: ['org_body'] });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await post(gw, '/v1/mcp-configurations', 'application/json', '{"name": ', { 'X-API-Key': key })).status);
      expect(statuses).toEqual([422, 422, 429]);
    } finally {
      await gw.close();
    }
  });
});
