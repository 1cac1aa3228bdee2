import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { lineSink } from '../support/log-lines';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

describe('request logs', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await startTestGateway()));
  afterAll(() => gw.close());

  it('write one JSON line per request with request id, dialect, route template, status and duration', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org_logs'] });
    const res = await gw.http.get('/v1/mcp-configurations/mcp_nope').set('X-API-Key', key).set('X-Request-Id', 'trace-logs-0001');
    expect(res.status).toBe(404);
    const lines = gw.logs.map((l) => JSON.parse(l)).filter((l) => l.requestId === 'trace-logs-0001');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      requestId: 'trace-logs-0001',
      dialect: 'aitronos',
      route: '/v1/mcp-configurations/:config_id',
      req: { method: 'GET', path: '/v1/mcp-configurations/mcp_nope' },
      res: { status: 404 },
      responseTime: expect.any(Number),
    });
  });

  it('never write keys, secrets or bodies, whatever the request carried', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org_logs'] });
    const zudu = await gw.zuduKey('org_logs');
    await gw.http
      .post('/v1/mcp-configurations')
      .set('Authorization', `Bearer ${key}`)
      .send(aitronosCreateBody('org_logs', { auth_type: 'bearer_token', credentials: { token: 'log-planted-token' } }));
    await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .set('Cookie', 'session=log-planted-cookie')
      .send({ config: zuduConfig({ request_headers: { 'X-A': 'log-planted-header' } }) });
    await gw.http.post('/api/secrets').set(zudu.headers).send({ name: 'x', value: 'log-planted-secret' });
    await gw.http.get('/api/mcp-servers').set({ 'X-API-KEY': zudu.headers['X-API-KEY']!, 'X-API-SECRET': 'log-planted-wrong-secret' });
    const text = gw.logs.join('\n');
    for (const planted of [
      key,
      zudu.headers['X-API-KEY']!,
      zudu.headers['X-API-SECRET']!,
      'log-planted-token',
      'log-planted-cookie',
      'log-planted-header',
      'log-planted-secret',
      'log-planted-wrong-secret',
    ]) {
      expect(text).not.toContain(planted);
    }
    expect(gw.logs.length).toBeGreaterThan(3);
  });

  it('redact credential fields even when code hands the logger a whole request', () => {
    const { lines, stream } = lineSink();
    const { createLogger } = require('../../server/logger') as typeof import('../../server/logger');
    const logger = createLogger('info', stream);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer ak_x1', 'x-api-key': 'ak_x2', 'x-api-secret': 's3cr3t_x3', cookie: 'c=x4' }, body: { token: 'x5' } },
        credentials: { token: 'x6' },
      },
      'oops',
    );
    for (const planted of ['ak_x1', 'ak_x2', 's3cr3t_x3', 'c=x4', 'x5', 'x6']) expect(lines.join('')).not.toContain(planted);
  });
});

describe('limits', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await startTestGateway({ rateLimitPerMinute: 3 })));
  afterAll(() => gw.close());

  it('answers the request over the per-key limit with 429 in the Aitronos envelope, Retry-After and RateLimit headers', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org_rl'] });
    const statuses: number[] = [];
    let last: import('supertest').Response | undefined;
    for (let i = 0; i < 4; i += 1) {
      last = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_rl' }).set('X-API-Key', key);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.body.error).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      status: 429,
      type: 'client_error',
      system_message: expect.stringMatching(/3 requests per minute/),
    });
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.headers.ratelimit).toMatch(/limit=3, remaining=0, reset=\d+/);
    expect(last!.headers['ratelimit-policy']).toMatch(/^3;w=60/);
    // Another key has its own budget.
    const other = await gw.aitronosKey({ orgs: ['org_rl'] });
    expect((await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_rl' }).set('X-API-Key', other.key)).status).toBe(200);
  });

  it('answers it in the Zudu envelope on /api', async () => {
    const zudu = await gw.zuduKey('org_rl');
    const statuses = [];
    let last: import('supertest').Response | undefined;
    for (let i = 0; i < 4; i += 1) {
      last = await gw.http.get('/api/mcp-servers').set(zudu.headers);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.body).toEqual({
      message: 'Too many requests',
      status: 'error',
      error: expect.stringMatching(/retry after \d+ seconds/),
      request_id: expect.any(String),
    });
  });

  it('counts failed authentications per client address, so made-up keys cannot slip past the limit', async () => {
    const guesser = await startTestGateway({ rateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      let last: import('supertest').Response | undefined;
      for (let i = 0; i < 4; i += 1) {
        last = await guesser.http.get('/v1/mcp-configurations').query({ organization_id: 'org_rl' }).set('X-API-Key', `ak_made_up_${i}`);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(last!.body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', status: 429, system_message: expect.stringMatching(/failed authentications/) });
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      // The other dialect counts its own failures; a made-up Zudu pair is still a 401 there.
      const zudu = await guesser.http.get('/api/mcp-servers').set({ 'X-API-KEY': 'sk_made_up', 'X-API-SECRET': 's3cr3t_made_up' });
      expect(zudu.status).toBe(401);
    } finally {
      await guesser.close();
    }
  });

  it('behind a trusted proxy, counts the address the proxy saw, not one the client wrote into X-Forwarded-For', async () => {
    const proxied = await startTestGateway({ rateLimitPerMinute: 3, trustProxy: true });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        // The client forges an entry; the proxy appends the address it really saw.
        const res = await proxied.http
          .get('/v1/mcp-configurations')
          .query({ organization_id: 'org_rl' })
          .set('X-API-Key', `ak_made_up_${i}`)
          .set('X-Forwarded-For', `198.51.100.${i}, 203.0.113.7`);
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await proxied.close();
    }
  });

  it('does not count successful requests against the address', async () => {
    const busy = await startTestGateway({ rateLimitPerMinute: 3 });
    try {
      const keys = await Promise.all([1, 2, 3].map(() => busy.aitronosKey({ orgs: ['org_rl'] })));
      const statuses = [];
      // Nine good requests from one address with three keys (three each), then a failure: not limited.
      for (const { key } of keys)
        for (let i = 0; i < 3; i += 1)
          statuses.push((await busy.http.get('/v1/mcp-configurations').query({ organization_id: 'org_rl' }).set('X-API-Key', key)).status);
      statuses.push((await busy.http.get('/v1/mcp-configurations').query({ organization_id: 'org_rl' }).set('X-API-Key', 'ak_made_up')).status);
      expect(statuses).toEqual([...Array(9).fill(200), 401]);
      // Requests in flight at once are not failures either.
      const more = await Promise.all([1, 2, 3, 4, 5].map(() => busy.aitronosKey({ orgs: ['org_rl'] })));
      const atOnce = await Promise.all(
        more.map(({ key }) => busy.http.get('/v1/mcp-configurations').query({ organization_id: 'org_rl' }).set('X-API-Key', key)),
      );
      expect(atOnce.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await busy.close();
    }
  });

  it('answers a body over 1 MB with 413 in each dialect', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const fresh = await startTestGateway();
    try {
      const { key } = await fresh.aitronosKey({ orgs: ['org_big'] });
      const v1 = await fresh.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ name: big }));
      expect(v1.status).toBe(413);
      expect(v1.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
      const zudu = await fresh.zuduKey('org_big');
      const api = await fresh.http
        .post('/api/mcp-servers')
        .set(zudu.headers)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ config: { name: big } }));
      expect(api.status).toBe(413);
      expect(api.body).toMatchObject({ message: 'Payload too large', status: 'error' });
    } finally {
      await fresh.close();
    }
  });

  it('sends security headers, and no CORS headers unless origins are configured', async () => {
    const res = await gw.http.get('/healthz').set('Origin', 'https://evil.example.com');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();

    const withCors = await startTestGateway({ corsOrigins: ['https://app.example.com'] });
    try {
      const preflight = await withCors.http
        .options('/v1/mcp-configurations')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'x-api-key,content-type');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const foreign = await withCors.http.get('/healthz').set('Origin', 'https://evil.example.com');
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });
});
