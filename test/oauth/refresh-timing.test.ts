import { OAuthTestbed } from '../support/oauth-testbed';
import { startProtectedMcpServer } from '../support/oauth-world';
import { startFakeAs } from '../support/scripted-authorization-server';

/**
 * When the gateway refreshes, on its own clock: a long-lived token in the last 60 s of its life,
 * and a token of unknown lifetime only when the upstream refuses it. The gateway's clock is moved
 * forward; the authorization servers keep real time.
 */

let offsetMs = 0;
let bed: OAuthTestbed;

beforeAll(async () => {
  bed = await OAuthTestbed.start('org_timing', 'http://gateway.test', { clock: { now: () => Date.now() + offsetMs } });
});
afterAll(() => bed.close());
beforeEach(() => {
  offsetMs = 0;
});

it('refreshes an hour-long token only once it is within 60 s of its expiry', async () => {
  const { as, server } = await bed.world();
  const id = await bed.createServer(server.url);
  await bed.connect(id, 'alice');
  const before = as.counts.refreshes;
  offsetMs = (3600 - 61) * 1000;
  expect((await bed.probe(id)).success).toBe(true);
  expect(as.counts.refreshes).toBe(before);
  offsetMs = (3600 - 59) * 1000;
  expect((await bed.probe(id)).success).toBe(true);
  expect(as.counts.refreshes).toBe(before + 1);
});

it('uses a token whose lifetime it was not told for as long as the upstream takes it, and renews it on the first 401', async () => {
  let refreshes = 0;
  const as = await startFakeAs({
    token: (form, issue) => {
      if (form.get('grant_type') === 'refresh_token') refreshes += 1;
      return { body: { ...issue(form.get('resource')), token_type: 'Bearer' } };
    },
  });
  const mcp = await startProtectedMcpServer({ authorizationServer: as });
  bed.onClose(() => as.close());
  bed.onClose(() => mcp.close());
  const id = await bed.createServer(mcp.url);
  expect((await bed.consentScripted(id)).status).toBe(200);
  offsetMs = 10 * 366 * 24 * 3_600_000;
  expect((await bed.probe(id)).success).toBe(true);
  expect(refreshes).toBe(0);
  // The upstream stops taking it.
  as.issued.clear();
  expect((await bed.probe(id)).success).toBe(true);
  expect(refreshes).toBe(1);
});
