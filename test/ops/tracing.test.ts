import { createServer } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type Allowlist, parseAllowlist } from '../../core/probe/address-rules';
import { guardedHttp } from '../../core/probe/guarded-fetch';
import { NetworkGuard } from '../../core/probe/network-guard';
import { inSpan } from '../../core/tracing';
import { startTelemetry, type Telemetry, tracingRequested } from '../../server/telemetry';
import { gatewayUrl } from '../support/mcp-endpoint';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

// The SDK in this test file's process only, with an in-memory exporter instead of OTLP.
const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let gw: TestGateway;
let up: ModernServer;

beforeAll(async () => {
  telemetry = (await startTelemetry({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))!;
  up = await startModernServer({ legacy: 'stateless' });
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
});
afterAll(async () => {
  await gw.close();
  await up.close();
  await telemetry.shutdown();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const parentOf = (s: ReadableSpan) => (s as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;
const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID);

describe('OpenTelemetry traces', () => {
  it('trace a proxied call under the caller’s traceparent, propagate it to the upstream, and put no credential, header value or argument in a span', async () => {
    const org = 'org_traced';
    const admin = await gw.aitronosKey({ orgs: [org] });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .send({
        organization_id: org,
        name: 'traced',
        server_url: `${up.url}?api_key=url-query-secret`,
        transport_type: 'streamable_http',
        auth_type: 'bearer',
        credentials: { token: 'tok-trace-secret' },
      });
    expect(created.status).toBe(201);
    exporter.reset();
    const client = new Client({ name: 'traced-agent', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gatewayUrl(gw, `/mcp/${created.body.id}`)), {
        requestInit: { headers: { Authorization: `Bearer ${admin.key}`, traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`, baggage: 'user=baggage-secret' } },
      }),
    );
    try {
      expect(await client.callTool({ name: 'echo', arguments: { text: 'arg-trace-secret' } })).toMatchObject({ content: [{ text: 'arg-trace-secret' }] });
    } finally {
      await client.close();
    }

    const spans = inTrace();
    // The gateway's HTTP server spans continue the caller's trace, as children of its span.
    const servers = spans.filter((s) => s.kind === 1 /* SERVER */);
    expect(servers.length).toBeGreaterThan(0);
    for (const s of servers) expect(parentOf(s)).toBe(CALLER_SPAN);
    expect(servers.map((s) => s.name)).toContain('POST /mcp/:server_id');
    expect(servers[0]!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/mcp/:server_id', 'http.response.status_code': 200 });
    // The upstream call: an MCP client span under the server span that received the call.
    const call = spans.find((s) => s.name === 'tools/call echo')!;
    expect(call).toBeDefined();
    expect(call.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'echo',
      'server.address': '127.0.0.1',
      'server.port': up.port,
    });
    expect(servers.map((s) => s.spanContext().spanId)).toContain(parentOf(call));
    // Database calls, under spans of the same trace.
    const db = spans.filter((s) => s.attributes['db.system.name'] !== undefined);
    expect(db.length).toBeGreaterThan(0);
    expect(db.every((s) => spans.some((p) => p.spanContext().spanId === parentOf(s)))).toBe(true);

    // Propagated: the upstream saw the trace in its HTTP headers and in the request's `_meta`.
    expect(up.headers.some((h) => String(h.traceparent ?? '').startsWith(`00-${TRACE_ID}-`))).toBe(true);
    expect(up.metas.some((m) => String((m as { traceparent?: string } | undefined)?.traceparent ?? '').startsWith(`00-${TRACE_ID}-`))).toBe(true);
    // Only the trace context: a caller's baggage is not passed on.
    expect(JSON.stringify(up.headers)).not.toContain('baggage-secret');
    expect(JSON.stringify(up.metas)).not.toContain('baggage');
    // The log line of the call names the trace.
    expect(gw.logs.some((l) => l.includes(`"traceId":"${TRACE_ID}"`) && l.includes('/mcp/:server_id'))).toBe(true);

    const everything = JSON.stringify(exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    for (const secret of ['tok-trace-secret', 'arg-trace-secret', 'url-query-secret', 'baggage-secret', admin.key, 'Bearer'])
      expect({ secret, found: everything.includes(secret) }).toEqual({ secret, found: false });
  });

  it('trace a connection test: the probe’s span and its database work under the request’s span', async () => {
    const org = 'org_traced_probe';
    const admin = await gw.aitronosKey({ orgs: [org] });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .send({ organization_id: org, name: 'probed', server_url: up.url, transport_type: 'streamable_http', auth_type: 'none' });
    exporter.reset();
    const tested = await gw.http
      .post(`/v1/mcp-configurations/${created.body.id}/test`)
      .set('X-API-Key', admin.key)
      .set('traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`);
    expect(tested.status).toBe(200);
    const spans = inTrace();
    const server = spans.find((s) => s.name === 'POST /v1/mcp-configurations/:config_id/test')!;
    const probe = spans.find((s) => s.name === 'mcp probe')!;
    expect(parentOf(probe)).toBe(server.spanContext().spanId);
    expect(probe.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'mcp_gateway.probe.outcome': 'connected' });
    expect(spans.some((s) => s.attributes['db.system.name'] !== undefined && parentOf(s) === server.spanContext().spanId)).toBe(true);
  });
});

describe('where the trace context goes', () => {
  it('to the MCP server’s origin only: not to another host, such as an authorization server', async () => {
    const seen: Record<string, string | undefined> = {};
    const listen = async (label: string) => {
      const server = createServer((req, res) => {
        seen[label] = req.headers.traceparent as string | undefined;
        res.end('{}');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
    };
    const mcp = await listen('mcp');
    const authorization = await listen('authorization');
    const http = await guardedHttp(new NetworkGuard({ allowlist: parseAllowlist('127.0.0.1') as Allowlist, allowPrivateNetworks: false }), null, 5000, {
      traceTo: `${mcp.url}/mcp`,
    });
    try {
      await inSpan('test', {}, async () => {
        await (await http.fetch(`${mcp.url}/mcp`)).text();
        await (await http.fetch(`${authorization.url}/token`)).text();
      });
      expect(seen.mcp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(seen.authorization).toBeUndefined();
    } finally {
      await http.close();
      mcp.server.close();
      authorization.server.close();
    }
  });
});

describe('tracing is off unless asked for', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, false],
  ])('%j → %s', (env, on) => {
    expect(tracingRequested(env as NodeJS.ProcessEnv)).toBe(on);
  });
});
