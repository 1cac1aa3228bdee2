import { OAuthConnections } from '../../core/services/oauth-connections';
import { agentSet, createViaAitronos, gatewayUrl } from './mcp-endpoint';
import { browserConsent, startAuthorizationServer, startProtectedMcpServer } from './oauth-world';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './test-gateway';
import { followAuthorize } from './scripted-authorization-server';

type AuthorizationServerOptions = Parameters<typeof startAuthorizationServer>[0];
type McpOptions = Partial<Parameters<typeof startProtectedMcpServer>[0]>;

/**
 * A second instance of the gateway's OAuth service over the same database and key, as another
 * process of the gateway would hold: its in-process refresh sharing is its own, so only the
 * database lease keeps the two from refreshing one grant twice.
 */
export function twinOf(service: OAuthConnections): OAuthConnections {
  return new OAuthConnections(Reflect.get(service, 'deps'), service.settings);
}

const unescapeHtml = (text: string) => text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

/**
 * What the OAuth tests do over and over against one gateway: start an authorization server with
 * a protected MCP server, register servers, consent as a browser does, test and call. Every
 * helper takes another gateway and key where a test needs one (an https gateway, a member).
 */
export class OAuthTestbed {
  private readonly cleanups: Array<() => Promise<void>> = [];
  private readonly agents = agentSet();

  constructor(
    readonly gw: TestGateway,
    readonly org: string,
    readonly adminKey: string,
  ) {}

  /** A gateway that may reach 127.0.0.1 (the test servers), its public address `publicUrl`, and an admin key of `org` acting for usr_alice. */
  static async start(org: string, publicUrl: string | null, options: TestGatewayOptions = {}): Promise<OAuthTestbed> {
    const gw = await startTestGateway({ allowedHosts: '127.0.0.1', publicUrl: publicUrl ?? undefined, ...options });
    const admin = await gw.aitronosKey({ orgs: [org], role: 'admin', userId: 'usr_alice' });
    return new OAuthTestbed(gw, org, admin.key);
  }

  /** Closed with the testbed. */
  onClose(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  async world(options: AuthorizationServerOptions = {}, mcp: McpOptions = {}) {
    const as = await startAuthorizationServer(options);
    const server = await startProtectedMcpServer({ authorizationServer: as, ...mcp });
    this.onClose(() => as.close());
    this.onClose(() => server.close());
    return { as, server };
  }

  createServer(url: string, body: Record<string, unknown> = {}, key = this.adminKey, gateway = this.gw): Promise<string> {
    return createViaAitronos(gateway, key, this.org, url, body);
  }

  /** Starts the consent through the Aitronos route, consents in the "browser" as `login`, and brings the browser back to the gateway. */
  async consent(id: string, login: string, key = this.adminKey, gateway = this.gw) {
    const started = await gateway.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', key).send({});
    expect(started.status).toBe(200);
    const { redirectedTo } = await browserConsent(started.body.authorizationUrl, { login });
    const back = await this.comeBack(redirectedTo, gateway);
    return { started: started.body, redirectedTo, back };
  }

  /**
   * The browser arrives at the gateway's callback; where the page asks to confirm (a per-user
   * consent), the person presses Connect: the form's fields are posted back.
   */
  async comeBack(redirectedTo: URL, gateway = this.gw) {
    const page = await gateway.http.get(`${redirectedTo.pathname}${redirectedTo.search}`);
    if (!page.text?.includes('<form method="post"')) return page;
    const fields = Object.fromEntries(
      [...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescapeHtml(m[2]!)]),
    );
    return gateway.http.post('/oauth/callback').type('form').send(fields);
  }

  /** A consent at an authorization server that redirects straight back (the scripted one): the callback's final answer. */
  async consentScripted(id: string, key = this.adminKey) {
    const started = await this.gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', key).send({});
    expect(started.status).toBe(200);
    return this.comeBack(await followAuthorize(started.body.authorizationUrl));
  }

  /** A consent that must succeed: what the connect route answered. */
  async connect(id: string, login: string, key = this.adminKey, gateway = this.gw) {
    const { started, back } = await this.consent(id, login, key, gateway);
    expect(back.status).toBe(200);
    return started;
  }

  async probe(id: string, key = this.adminKey, gateway = this.gw) {
    const result = await gateway.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', key);
    expect(result.status).toBe(200);
    return result.body;
  }

  /** Calls a tool through the MCP endpoint with a 2026-07-28 agent; answers its first text. */
  async call(id: string, tool: string, key = this.adminKey): Promise<string> {
    const agent = await this.agent(id, key);
    const result = await agent.callTool({ name: tool, arguments: {} });
    return (result.content as Array<{ text: string }>)[0]!.text;
  }

  agent(id: string, key = this.adminKey) {
    return this.agents.connect('modern', gatewayUrl(this.gw, `/mcp/${id}`), { 'X-API-Key': key });
  }

  /** Closes what the tests started, then the gateway. */
  async close(): Promise<void> {
    await this.agents.closeAll();
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    await this.gw.close();
  }
}
