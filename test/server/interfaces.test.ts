import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import type { KeyFormat } from '../../core/model/api-key';
import { AuthenticationRequired } from '../../core/errors';
import type { GatewayInterface } from '../../adapters/shared/gateway-interface';
import { toProblem } from '../../adapters/shared/problem';
import { assembleGateway } from '../../server/assemble';
import { randomEncryptionKey } from '../../server/gateway';
import { INTERFACES, interfaceOf } from '../../server/interfaces';
import { lineSink } from '../support/log-lines';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * A dialect added the way the README's "Adding a dialect" says: one descriptor, one line in the
 * list. It is mounted under the Aitronos prefix, where mount order decides who answers.
 */
const CONVAI_KEYS: KeyFormat = { kind: 'convai', keyPrefix: 'xi_', secretPrefix: null, singleOrganization: true, label: 'A ConvAI key' };
const convaiInterface: GatewayInterface = {
  name: 'convai',
  mountPath: '/v1/convai',
  keyFormat: CONVAI_KEYS,
  contract: null,
  router({ apiKeys, registry }) {
    const router = express.Router();
    router.use(async (req, res, next) => {
      const key = req.get('xi-api-key');
      if (!key) return next(new AuthenticationRequired('xi-api-key is required'));
      try {
        res.locals.principal = await apiKeys.authenticate(CONVAI_KEYS, { key });
        next();
      } catch (error) {
        next(error);
      }
    });
    router.get('/mcp-servers', async (_req, res) => {
      const principal = res.locals.principal;
      const { items } = await registry.list(principal, { organizationId: principal.organizationIds[0] });
      res.json({ mcp_servers: items.map((s) => ({ id: s.id, config: { name: s.name } })) });
    });
    router.use(((error, _req, res, _next) => {
      const problem = toProblem(error);
      res.status(problem.kind === 'INVALID_API_KEY' || problem.kind === 'AUTHENTICATION_REQUIRED' ? 401 : 500).json({ detail: problem.detail });
    }) as express.ErrorRequestHandler);
    return router;
  },
  errorBody: (problem) => ({ status: 400, body: { detail: problem.detail } }),
  sendError: (res, problem) => void res.status(429).json({ detail: problem.detail }),
};

let database: TestDatabase;
beforeAll(async () => (database = await createTestDatabase()));
afterAll(() => database.drop());

describe('the interface list', () => {
  it('names every interface once and finds the one a path falls under, by its mount path', () => {
    expect(INTERFACES.map((i) => i.name)).toEqual(['aitronos', 'zudu', 'mcp', 'oauth', 'console', 'registry', 'ops']);
    expect(interfaceOf('/console/api/servers').name).toBe('console');
    expect(interfaceOf('/oauth/callback').name).toBe('oauth');
    expect(interfaceOf('/mcp/mcp_123').name).toBe('mcp');
    expect(interfaceOf('/v1/mcp-configurations').name).toBe('aitronos');
    expect(interfaceOf('/api/secrets').name).toBe('zudu');
    expect(interfaceOf('/v1x').name).toBe('ops');
    expect(interfaceOf('/metrics').name).toBe('ops');
  });

  it('serves a dialect added as one more descriptor, mounted before the shorter prefix it sits under, with its own keys', async () => {
    const sink = lineSink();
    const lines = sink.lines;
    const gateway = await assembleGateway({
      database: database.target,
      encryptionKey: randomEncryptionKey(),
      logger: pino({ level: 'info' }, sink.stream),
      rateLimitPerMinute: 0,
      sharedRateLimits: false,
      // The new dialect is listed last, after the Aitronos one whose /v1 would swallow its path.
      interfaces: [...INTERFACES, convaiInterface],
    });
    try {
      const http = supertest(gateway.app);
      const issued = await gateway.services.apiKeys.issue({ format: CONVAI_KEYS, organizationIds: ['org_convai'] });
      const aitronos = await gateway.services.apiKeys.issue({ format: INTERFACES[0]!.keyFormat!, organizationIds: ['org_convai'] });
      await http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', aitronos.apiKey)
        .send({ name: 'Seen by ConvAI', organization_id: 'org_convai', server_url: 'https://convai.example.com/mcp', transport_type: 'sse', auth_type: 'none' })
        .expect(201);

      const listed = await http.get('/v1/convai/mcp-servers').set('xi-api-key', issued.apiKey);
      expect(listed.status).toBe(200);
      expect(listed.body.mcp_servers.map((s: { config: { name: string } }) => s.config.name)).toEqual(['Seen by ConvAI']);
      // Its keys are its own: an Aitronos key is not a ConvAI key, and the other way round.
      expect((await http.get('/v1/convai/mcp-servers').set('xi-api-key', aitronos.apiKey)).status).toBe(401);
      expect((await http.get('/v1/mcp-configurations?organization_id=org_convai').set('X-API-Key', issued.apiKey)).status).toBe(401);
      // Logs and metrics name it by the list it was mounted from.
      const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.req?.path === '/v1/convai/mcp-servers');
      expect(logged.map((l) => l.dialect)).toEqual(['convai', 'convai']);
      expect((await http.get('/metrics')).text).toMatch(/mcp_gateway_http_requests_total\{dialect="convai",route="\/v1\/convai\/mcp-servers",status="200"\} 1/);
    } finally {
      await gateway.services.close();
    }
  });
});
