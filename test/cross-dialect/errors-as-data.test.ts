import { ValidationError } from '../../core/errors';
import type { Principal } from '../../core/model/principal';
import { parseAllowlist, type Allowlist } from '../../core/probe/address-rules';
import { McpProbe } from '../../core/probe/mcp-probe';
import { NetworkGuard } from '../../core/probe/network-guard';
import { checkHttpUrl } from '../../core/rules/server.rules';
import { checkServerUrl } from '../../core/services/url-check';
import { aitronosErrorBody } from '../../adapters/aitronos/aitronos.errors';
import { toProblem } from '../../adapters/shared/problem';
import { zuduErrorBody } from '../../adapters/zudu/zudu.envelope';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Errors and probe failures travel as data: a core error carries its field, rule and limits;
 * each dialect writes its sentence from them, never by rewriting the core's message.
 */

/** The core's message replaced: whatever a dialect shows must come from the data. */
function withForeignMessage(error: ValidationError): ValidationError {
  Object.defineProperty(error, 'message', { value: 'a sentence no dialect may read' });
  return error;
}

describe('a validation error', () => {
  it('carries its field in core terms, its rule and its limit', () => {
    let thrown: unknown;
    try {
      checkHttpUrl(`https://example.com/${'a'.repeat(1000)}`);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toMatchObject({ field: 'url', violation: { rule: 'too_long', limit: 1000 }, message: 'url must be at most 1000 characters' });
  });

  it('is worded by each dialect from its data, with the dialect own field names, not from the message', () => {
    const exclusive = withForeignMessage(new ValidationError('auth.token', { rule: 'exclusive', other: 'auth.secretId' }));
    const aitronos = aitronosErrorBody(toProblem(exclusive), 'trace') as { status: number; body: { error: Record<string, unknown> } };
    expect(aitronos.status).toBe(422);
    expect(aitronos.body.error).toMatchObject({
      system_message: 'Give either credentials.token or credentials, not both',
      details: { field: 'credentials.token' },
    });

    const duplicate = withForeignMessage(new ValidationError('requestHeaders.x-team', { rule: 'duplicate', first: 'X-Team' }));
    expect(zuduErrorBody(toProblem(duplicate), 'req', 'config.')).toEqual({
      status: 400,
      body: {
        message: 'Validation failed',
        status: 'error',
        error: "config.request_headers.x-team repeats the header name 'X-Team' (header names ignore case)",
        request_id: 'req',
      },
    });
    expect((zuduErrorBody(toProblem(duplicate), 'req', '').body as { error: string }).error).toMatch(/^request_headers\.x-team repeats/);
  });
});

describe('a probe failure', () => {
  const refusingGuard = () => new NetworkGuard({ allowlist: parseAllowlist('') as Allowlist, allowPrivateNetworks: false });
  const target = (transport: 'sse' | 'streamable_http') => ({
    organizationId: 'org',
    url: 'http://127.0.0.1:4999/mcp',
    transport,
    headers: {},
    oauth: null,
    secrets: [],
  });

  it.each(['sse', 'streamable_http'] as const)('is a typed value on the outcome over %s, even where the SDK flattens its causes to text', async (transport) => {
    const probe = new McpProbe(refusingGuard(), { timeoutMs: 5000, maxConcurrent: 2 });
    const outcome = await probe.probe(target(transport));
    expect(outcome).toMatchObject({ success: false, failureClass: 'blocked' });
    expect(outcome.failure).toEqual({
      failureClass: 'blocked',
      reason: { kind: 'blocked_destination', host: '127.0.0.1', rule: expect.any(String) },
      message: outcome.message,
    });
  });
});

describe('the URL check use case', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  const admin: Principal = { keyId: 'key_test', userId: null, organizationIds: ['org_check'], role: 'admin' };

  it('returns structured findings: plain http and an unreachable server with its typed failure', async () => {
    const check = await checkServerUrl(gw.services, admin, 'org_check', 'http://127.0.0.1:4999/mcp');
    expect(check).toMatchObject({ url: 'http://127.0.0.1:4999/mcp', formatValid: true, duplicates: 0, connectivity: 'failed' });
    expect(check.findings).toEqual([
      { kind: 'plain_http' },
      { kind: 'unreachable', failure: expect.objectContaining({ failureClass: 'blocked', reason: expect.objectContaining({ kind: 'blocked_destination' }) }) },
    ]);
  });

  it('skips the connectivity test of a malformed URL and says why in data', async () => {
    const check = await checkServerUrl(gw.services, admin, 'org_check', 'ftp://example.com/');
    expect(check).toEqual({
      url: 'ftp://example.com/',
      formatValid: false,
      duplicates: 0,
      connectivity: 'skipped',
      findings: [{ kind: 'invalid_format', maxLength: 1000 }],
    });
  });
});

describe('a message that mentions a field path in a value', () => {
  let gw: TestGateway;
  let key: string;
  beforeAll(async () => {
    gw = await startTestGateway();
    ({ key } = await gw.aitronosKey({ orgs: ['org_words'] }));
  });
  afterAll(() => gw.close());

  it('keeps the value as the caller sent it: an id that reads like auth.token is not renamed', async () => {
    const res = await gw.http.get('/v1/mcp-configurations/mcp_1.auth.token').set('X-API-Key', key);
    expect(res.status).toBe(404);
    expect(res.body.error.system_message).toBe("server 'mcp_1.auth.token' not found");
  });
});
