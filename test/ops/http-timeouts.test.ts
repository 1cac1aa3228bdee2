import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../server/config';
import { DEFAULT_HTTP_TIMEOUTS } from '../../server/http/http-server';
import { createLogger } from '../../server/logger';
import { serve } from '../../server/serve';
import { aitronosCreateBody } from '../support/builders';
import { startSilentServer } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * A client that trickles its request must not hold a socket for long. Here the timeouts are a
 * fraction of a second, so the tests are fast; `serve` uses DEFAULT_HTTP_TIMEOUTS.
 */
const TIMEOUTS = { headersMs: 300, requestMs: 600, keepAliveMs: 300 };
// Node checks for expired requests every quarter of the shorter timeout; this is the slack on top.
const SLACK_MS = 700;

let gw: TestGateway;
let key: string;
beforeAll(async () => {
  gw = await startTestGateway({ httpTimeouts: TIMEOUTS, allowedHosts: '127.0.0.1', probeTimeoutMs: 1500 });
  key = (await gw.aitronosKey({ orgs: ['org_slow'] })).key;
});
afterAll(() => gw.close());

/**
 * Opens a loopback connection, sends `head`, then one byte of `trickle` every 100 ms (at most
 * 60 of them), and reports what came back and when the server closed the connection (10 s at most).
 */
function trickle(head: string, dribble: string): Promise<{ received: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ port: (gw.server.address() as AddressInfo).port, host: '127.0.0.1' });
    let received = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      socket.destroy();
      resolve({ received, closedAfterMs: Date.now() - started });
    };
    const guard = setTimeout(() => reject(new Error('the server kept the connection open for 10 s')), 10_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (received += chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(head);
    void (async () => {
      for (let i = 0; i < Math.min(60, dribble.length) && !done; i += 1) {
        await sleep(100);
        if (!done && !socket.destroyed) socket.write(dribble[i]!);
      }
    })();
  });
}

describe('HTTP server timeouts', () => {
  it('closes a connection whose body trickles in, with 408, once the request timeout has passed', async () => {
    const head = `POST /v1/mcp-configurations HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const { received, closedAfterMs } = await trickle(head, `{"name":"${'x'.repeat(100)}`);
    expect(closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.requestMs - 50);
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.requestMs + SLACK_MS);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toContain('"code":"REQUEST_TIMEOUT"');
  });

  it('closes a connection whose headers trickle in, with 408, once the headers timeout has passed', async () => {
    const { received, closedAfterMs } = await trickle('GET /v1/mcp-configurations HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'y'.repeat(60));
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.headersMs + SLACK_MS);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { received, closedAfterMs } = await trickle('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', '');
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(TIMEOUTS.keepAliveMs - 50);
    // Node closes a second after the time it advertises (Keep-Alive: timeout=…), so a client that
    // honours the header never sends into a closing socket.
    expect(closedAfterMs).toBeLessThan(TIMEOUTS.keepAliveMs + 1000 + SLACK_MS);
  });

  it('never cuts an answer that takes longer than the request timeout once the request has arrived', async () => {
    const silent = await startSilentServer();
    try {
      const created = await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send(aitronosCreateBody('org_slow', { server_url: silent.url, auth_type: 'none' }));
      expect(created.status).toBe(201);
      const started = Date.now();
      const res = await gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`).set('X-API-Key', key);
      expect(Date.now() - started).toBeGreaterThan(TIMEOUTS.requestMs);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: false, failure_class: 'timeout' });
    } finally {
      await silent.close();
    }
  });
});

describe('serve', () => {
  it('sets the headers, request and keep-alive timeouts deliberately, keep-alive from MCP_GATEWAY_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-timeouts-'));
    const logger = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'g.sqlite')}`,
      PORT: '0',
      HOST: '127.0.0.1',
      MCP_GATEWAY_DEMO: 'false',
      MCP_GATEWAY_KEEP_ALIVE_TIMEOUT_MS: '65000',
    });
    const running = await serve(config, logger, () => undefined);
    try {
      expect(running.server.headersTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.headersMs);
      expect(running.server.requestTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.requestMs);
      expect(running.server.keepAliveTimeout).toBe(65_000);
      expect(DEFAULT_HTTP_TIMEOUTS).toEqual({ headersMs: 20_000, requestMs: 30_000, keepAliveMs: 5_000 });
      expect(loadConfig({}).keepAliveTimeoutMs).toBe(5_000);
      for (const bad of ['10', '600001', 'soon'])
        expect(() => loadConfig({ MCP_GATEWAY_KEEP_ALIVE_TIMEOUT_MS: bad })).toThrow(/^MCP_GATEWAY_KEEP_ALIVE_TIMEOUT_MS is invalid/);
    } finally {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
