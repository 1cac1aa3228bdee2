import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let aitronosKey: string;

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key: aitronosKey } = await gw.aitronosKey({ orgs: ['org_fault'] }));
});
afterAll(() => gw.close());

describe('a fault inside the gateway', () => {
  it('answers 500 in each dialect’s envelope with a generic message, no stack, and logs the detail', async () => {
    const zudu = await gw.zuduKey('org_fault');
    // Break the store underneath the running app: every query now fails.
    const servers = gw.services.store.servers as unknown as { list: unknown };
    const original = servers.list;
    servers.list = async () => {
      throw new Error('simulated database outage at /var/lib/db (SELECT secret FROM …)');
    };
    try {
      const v1 = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_fault' }).set('X-API-Key', aitronosKey);
      expect(v1.status).toBe(500);
      expect(v1.body).toEqual({
        success: false,
        error: {
          code: 'INTERNAL_ERROR',
          message: 'An internal error occurred. Please try again later.',
          system_message: 'An unexpected error occurred',
          type: 'server_error',
          status: 500,
          details: {},
          trace_id: v1.headers['x-request-id'],
          timestamp: expect.any(String),
        },
      });
      const api = await gw.http.get('/api/mcp-servers').set(zudu.headers);
      expect(api.status).toBe(500);
      expect(api.body).toEqual({
        message: 'Internal server error',
        status: 'error',
        error: 'An unexpected error occurred',
        request_id: api.headers['x-request-id'],
      });
      for (const res of [v1, api]) expect(res.text).not.toMatch(/simulated|\/var\/lib|at .*\.ts/);
      const logged = gw.logs.filter((line) => line.includes('unexpected error'));
      expect(logged.some((line) => line.includes(v1.headers['x-request-id']!))).toBe(true);
      expect(logged.some((line) => line.includes(api.headers['x-request-id']!))).toBe(true);
    } finally {
      servers.list = original;
    }
  });
});
