import type { AddressInfo } from 'node:net';
import { rawHttp } from '../support/raw-http';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Requests Node's HTTP parser refuses before any route runs still get JSON in the dialect their
 * request line names, a request id that is also logged, and a connection the server closes.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

const raw = (bytes: string | string[]) => rawHttp((gw.server.address() as AddressInfo).port, bytes);
const padding = `X-Padding: ${'p'.repeat(20_000)}\r\n`;
const openConnections = () => new Promise<number>((resolve, reject) => gw.server.getConnections((error, n) => (error ? reject(error) : resolve(n))));

describe('requests the HTTP parser refuses', () => {
  it('answers headers over 16 KB on /v1 with 431 in the Aitronos envelope, its trace_id the X-Request-Id, and logs that id', async () => {
    const res = await raw(`GET /v1/mcp-configurations HTTP/1.1\r\nHost: x\r\n${padding}\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.connection).toBe('close');
    expect(res.body).toMatchObject({
      success: false,
      error: { code: 'HEADERS_TOO_LARGE', status: 431, type: 'client_error', trace_id: res.headers['x-request-id'] },
    });
    const logged = gw.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === res.headers['x-request-id']);
    expect(logged).toMatchObject({ dialect: 'aitronos', res: { status: 431 }, parserError: 'HPE_HEADER_OVERFLOW' });
    expect(JSON.stringify(logged)).not.toContain('ppp');
    expect((await gw.http.get('/metrics')).text).toContain('mcp_gateway_http_requests_total{dialect="aitronos",route="unparsed",status="431"} 1');
  });

  it('answers a request line over 16 KB on /api with 431 in the Zudu envelope, whatever the case of the path', async () => {
    const res = await raw(`GET /API/mcp-servers?search=${'x'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({
      message: 'Request header fields too large',
      status: 'error',
      error: 'The request line and headers are larger than 16 KB',
      request_id: res.headers['x-request-id'],
    });
  });

  it('answers a HEAD request without a body', async () => {
    const res = await raw(`HEAD /v1/mcp-configurations HTTP/1.1\r\nHost: x\r\n${padding}\r\n`);
    expect(res.status).toBe(431);
    expect(res.text).toBe('');
  });

  it('guesses no dialect when the parser no longer holds the request line (headers that arrived in several reads)', async () => {
    const res = await raw([`GET /v1/mcp-configurations HTTP/1.1\r\nHost: x\r\nX-Padding: p`, `${'p'.repeat(20_000)}\r\n\r\n`]);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: 'The request line and headers are larger than 16 KB' } });
  });

  it('answers a malformed header on /api with 400 in the Zudu envelope', async () => {
    const res = await raw('GET /api/mcp-servers HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'Bad request', status: 'error', error: 'The request is not valid HTTP/1.1' });
  });

  it('answers bytes that are not HTTP with a plain JSON 400 naming no dialect', async () => {
    const res = await raw('HELLO THERE\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'MALFORMED_REQUEST', message: 'The request is not valid HTTP/1.1' } });
  });

  it('closes the connection itself, so a client that keeps its side open holds nothing up', async () => {
    let open = -1;
    await rawHttp((gw.server.address() as AddressInfo).port, `GET /v1/mcp-configurations HTTP/1.1\r\nHost: x\r\n${padding}\r\n`, {
      whileHalfOpen: async () => {
        for (let i = 0; i < 20 && (await openConnections()) > 0; i += 1) await new Promise((r) => setTimeout(r, 50));
        open = await openConnections();
      },
    });
    expect(open).toBe(0);
  });

  it('keeps answering well-formed requests on new connections', async () => {
    await raw('HELLO THERE\r\n\r\n');
    const { key } = await gw.aitronosKey({ orgs: ['org_unparsed'] });
    const res = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_unparsed' }).set('X-API-Key', key);
    expect(res.status).toBe(200);
  });
});
