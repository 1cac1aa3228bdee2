import { zuduOversightRouter } from '../../adapters/zudu/zudu.oversight.router';
import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { aitronosRouter } from '../../adapters/aitronos/aitronos.router';
import { contractValidator, loadSpec } from '../../adapters/shared/openapi';
import { zuduSecretsRouter } from '../../adapters/zudu/zudu.secrets.router';
import { zuduServersRouter } from '../../adapters/zudu/zudu.servers.router';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** `METHOD /path/:param` for every route a router mounts. */
/** Every route of the router and of the routers mounted in it without a path of their own. */
function mountedRoutes(router: express.Router): string[] {
  return (router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown } }>)
    .flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`)
        : Array.isArray(layer.handle?.stack)
          ? mountedRoutes(layer.handle as unknown as express.Router)
          : [],
    )
    .sort();
}

function specRoutes(spec: Record<string, any>): string[] {
  return Object.entries(spec.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => METHODS.includes(k))
        .map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    .sort();
}

let gw: TestGateway;
beforeAll(async () => (gw = await startTestGateway()));
afterAll(() => gw.close());

describe('the contracts in schemas/', () => {
  it('schemas/aitronos.openapi.yaml describes exactly the routes mounted under /v1', () => {
    const router = aitronosRouter({ ...gw.services, logger: pino({ level: 'silent' }), validateResponses: false });
    expect(mountedRoutes(router)).toEqual(specRoutes(loadSpec('aitronos')));
  });

  it('is the Zudu contract too: schemas/zudu.openapi.yaml describes exactly the routes mounted under /api', () => {
    const mounted = [
      ...mountedRoutes(zuduServersRouter(gw.services.registry, gw.services.connections, gw.services.oauth)),
      ...mountedRoutes(zuduSecretsRouter(gw.services.secrets)),
      ...mountedRoutes(zuduOversightRouter(gw.services.approvals, gw.services.audit)),
    ].sort();
    expect(mounted).toEqual(specRoutes(loadSpec('zudu')));
  });

  it('fails a response that drifts from the contract when response validation is on, as in every test', async () => {
    const app = express();
    app.use('/v1', contractValidator('aitronos', true), (_req: express.Request, res: express.Response) => {
      res.json({ configurations: [{ id: 'mcp_x', name: 'drifted', secretField: 'should not be here' }], total: 1 });
    });
    app.use(((error, _req, res, _next) => res.status(error.status ?? 500).json({ failed: error.message })) as express.ErrorRequestHandler);
    const res = await supertest(app).get('/v1/mcp-configurations').query({ organization_id: 'org_x' });
    expect(res.status).toBe(500);
    expect(res.body.failed).toMatch(/response/);
  });
});
