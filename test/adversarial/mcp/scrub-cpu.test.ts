/**
 * The scrubber's decoded views run on the event loop (about half a second per MB of crafted
 * text): one answer under the 8 MB cap must not stall the whole gateway, every tenant included.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startTestGateway, type TestGateway } from '../../support/test-gateway';
import { startHostile, type Hostile } from './hostile-upstream';
import { agentSet, createViaAitronos, gatewayUrl } from '../../support/mcp-endpoint';

let gw: TestGateway;
let up: Hostile;
const agents = agentSet();
const PAYLOAD = 'abcdefghijklmnop%41&amp;\\.'.repeat(Math.floor((6 * 1024 * 1024) / 26));

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', proxy: { callTimeoutMs: 20_000 } });
  up = await startHostile({ call: () => ({ content: [{ type: 'text', text: PAYLOAD }] }) });
});
afterAll(async () => {
  await agents.closeAll();
  await up.close();
  await gw.close();
});
const base = () => gatewayUrl(gw);

it('never blocks the event loop for seconds on one upstream answer within the size cap', async () => {
  const org = 'org-cpu';
  const { key } = await gw.aitronosKey({ orgs: [org], role: 'member' });
  const id = await createViaAitronos(gw, key, org, up.url, { auth_type: 'bearer', credentials: { token: 'stored-bearer-secret-4242' } });
  const agent = await agents.connect('legacy', `${base()}/mcp/${id}`, { Authorization: `Bearer ${key}` });
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  await agent.callTool({ name: 'echo', arguments: {} }, { timeout: 60_000 }).catch(() => undefined);
  histogram.disable();
  const maxStallMs = histogram.max / 1e6;
  // Seconds would be the unbounded search; the bounded one stays well under two on this shared VM,
  // whose speed varies by a factor of two (1,046 ms once in a loaded CI run against a 1 s bound).
  expect(maxStallMs).toBeLessThan(2000);
}, 90_000);
