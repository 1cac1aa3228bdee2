import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { ROOT } from '../support/processes';
import { startTestGateway, type TestGateway } from '../support/test-gateway';
import { gatewayUrl } from '../support/mcp-endpoint';

const run = promisify(execFile);
const INSPECTOR = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build', 'index.js');

let gw: TestGateway;
let upstream: ModernServer;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  upstream = await startModernServer({ legacy: 'reject' });
});
afterAll(async () => {
  await upstream.close();
  await gw.close();
});

/**
 * The MCP Inspector's command-line mode, as a person runs it: one method per invocation, JSON on
 * stdout. Run from its own build folder: version 1.0.3 checks for its package.json relative to
 * the working directory but imports it relative to itself, so elsewhere it fails to start.
 */
async function inspector(url: string, key: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [INSPECTOR, url, '--transport', 'http', '--header', `Authorization: Bearer ${key}`, ...args], {
    env: { PATH: process.env.PATH ?? '' },
    cwd: join(INSPECTOR, '..'),
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

describe('the MCP Inspector (inspector-cli) against the endpoint', () => {
  it('lists the tools a policy allows and calls one, through a gateway key, against a modern-only upstream', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-inspector'] });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({
        organization_id: 'org-inspector',
        name: 'inspected',
        server_url: upstream.url,
        transport_type: 'streamable_http',
        auth_type: 'none',
        tool_configuration: { enabled: true, allowed_tools: ['echo', 'add'] },
      });
    const url = `${gatewayUrl(gw)}/mcp/${created.body.id}`;
    const listed = (await inspector(url, key, '--method', 'tools/list')) as { tools: Array<{ name: string }> };
    expect(listed.tools.map((t) => t.name).sort()).toEqual(['add', 'echo']);
    const called = await inspector(url, key, '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=from the inspector');
    expect(called).toMatchObject({ content: [{ type: 'text', text: 'from the inspector' }] });
  }, 60_000);
});
