import { FormatError } from '../../adapters/migration/format-error';
import { readImport } from '../../adapters/migration/formats';
import { fixture } from '../support/fixtures';

const servers = (name: string) => {
  const parsed = readImport(fixture(name));
  if (parsed.kind !== 'servers') throw new Error('expected servers');
  return parsed.source;
};

describe('reading other platforms’ files', () => {
  it('reads an Aitronos list response: servers with credentials need them, and are flagged', () => {
    const source = servers('aitronos-list.json');
    expect(source.format).toBe('aitronos');
    expect(source.candidates).toMatchObject([
      { name: 'My MCP Server', url: 'https://mcp.example.com/sse', transport: 'sse', auth: null, warnings: [expect.stringMatching(/^needs credentials/)] },
      {
        name: 'Public Docs',
        transport: 'streamable_http',
        auth: { type: 'none' },
        isActive: false,
        enabled: true,
        allowedTools: ['search'],
        createdAt: Date.parse('2025-11-02T08:30:00Z'),
      },
    ]);
  });

  it('reads Aitronos create bodies with their credentials, and skips stdio with a reason', () => {
    const { candidates } = servers('aitronos-create-bodies.json');
    expect(candidates[0]).toMatchObject({ auth: { type: 'bearer', credentials: { token: 'my-bearer-token' } } });
    expect(candidates[1]).toMatchObject({
      auth: { type: 'api_key', credentials: { apiKey: 'k-123', headerName: 'X-Search-Key' } },
      allowedTools: ['search', 'fetch'],
    });
    expect(candidates[2]!.skip).toMatch(/stdio/);
  });

  it('reads a Zudu list response in both of its item shapes', () => {
    const source = servers('zudu-list.json');
    expect(source.format).toBe('zudu');
    expect(source.candidates).toMatchObject([
      {
        name: 'My MCP Server',
        url: 'https://example.com/mcp-server',
        transport: 'sse',
        description: 'MCP server for customer support tools',
        createdAt: 1705320000000,
      },
      { name: 'Zapier', url: 'https://zapier.example.com/mcp', transport: 'streamable_http', approvalPolicy: 'require_approval_per_tool' },
    ]);
  });

  it('reads Zudu create bodies, keeping the secret reference and the header value', () => {
    const [candidate] = servers('zudu-create-bodies.json').candidates;
    expect(candidate).toMatchObject({
      auth: { type: 'bearer', credentials: { secretId: 'secret_abc123' } },
      requestHeaders: { Authorization: 'Bearer token123' },
    });
  });

  it('reads an ElevenLabs list response: unix seconds, approvals, and secret references reported', () => {
    const { candidates, format } = servers('elevenlabs-list.json');
    expect(format).toBe('elevenlabs');
    expect(candidates[0]).toMatchObject({
      name: 'Zapier MCP',
      transport: 'streamable_http',
      approvalPolicy: 'require_approval_per_tool',
      toolApprovals: [{ toolName: 'gmail_send_email', state: 'requires_approval' }],
      auth: { type: 'bearer', credentials: { secretId: 'sec_token_1' } },
      requestHeaders: { 'X-Client': 'agents' },
      createdAt: 1735689600000,
    });
    expect(candidates[0]!.warnings.join(' ')).toMatch(/X-Token.*sec_header_1/);
    expect(candidates[1]).toMatchObject({ name: 'Weather', transport: 'sse', createdAt: 1735776000000 });
  });

  it('reads a Claude Desktop file: remote entries with headers, stdio skipped with its reason', () => {
    const { candidates } = servers('claude-desktop.json');
    expect(candidates.map((c) => [c.name, c.skip ?? c.transport])).toEqual([
      ['filesystem', expect.stringMatching(/stdio server.*npx/)],
      ['github', 'streamable_http'],
      ['weather', 'sse'],
    ]);
    expect(candidates[1]!.requestHeaders).toEqual({ Authorization: 'Bearer ghp_desktop_token' });
  });

  it('reads a Cursor file with transport and headers', () => {
    const { candidates } = servers('cursor.json');
    expect(candidates).toMatchObject([
      { name: 'server-name', transport: 'streamable_http', requestHeaders: { API_KEY: 'cursor-secret-value' } },
      { name: 'legacy-sse', transport: 'sse' },
    ]);
  });

  it('refuses a file that matches no format, saying what it expected', () => {
    expect(() => readImport({ servers: [] })).toThrow(FormatError);
    expect(() => readImport({ servers: [] })).toThrow(/matches no known format: expected one of: an Aitronos list response/);
    expect(() => readImport([1, 2, 3])).toThrow(/matches no known format/);
  });

  it('refuses a file that is not in the format asked for, and a malformed one naming where', () => {
    expect(() => readImport(fixture('cursor.json'), 'aitronos')).toThrow(/not in the aitronos format/);
    expect(() => readImport({ configurations: [{ name: 'x' }] })).toThrow(/Not a valid Aitronos list response: configurations\[0\]\.serverUrl/);
    expect(() => readImport({ format: 'mcp-gateway/native', version: 2 })).toThrow(/native backup: version/);
  });
});
