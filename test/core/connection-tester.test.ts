import type { ProbeOutcome, ProbeTarget } from '../../core/model/probe';
import type { ConnectionProbe } from '../../core/ports';
import { ConnectionTester } from '../../core/services/connection-tester';
import { admin, bearer, member, newServer, ORG, sharedSecret, useCaseWorld, type UseCaseWorld } from './use-case-world';

const TOOLS = [{ name: 'search', description: 'Searches', inputSchema: { type: 'object' } }];

const success = (): ProbeOutcome => ({
  success: true,
  failureClass: null,
  failure: null,
  message: 'Connected',
  latencyMs: 12,
  protocolVersion: '2025-06-18',
  serverInfo: { name: 'fake', version: '1.0.0' },
  tools: TOOLS,
});

const failure = (failureClass: 'auth' | 'protocol' | 'busy', message: string): ProbeOutcome => ({
  success: false,
  failureClass,
  failure: { failureClass, reason: failureClass === 'busy' ? { kind: 'busy', queueTimeoutMs: 100 } : { kind: 'credentials_refused', status: 401 }, message },
  message,
  latencyMs: 3,
  protocolVersion: null,
  serverInfo: null,
  tools: null,
});

/** The ConnectionProbe port, answering what the test scripts; it records what it was asked to reach. */
class FakeProbe implements ConnectionProbe {
  readonly targets: ProbeTarget[] = [];
  constructor(private readonly answer: (target: ProbeTarget) => ProbeOutcome | Promise<ProbeOutcome> = success) {}
  async probe(target: ProbeTarget): Promise<ProbeOutcome> {
    this.targets.push(target);
    return this.answer(target);
  }
}

let world: UseCaseWorld;
beforeEach(() => (world = useCaseWorld()));

const testerWith = (probe: FakeProbe) => new ConnectionTester({ store: world.store, cipher: world.cipher, clock: world.clock, probe });

describe('ConnectionTester', () => {
  it('sends the decrypted credentials and headers, and records connected with the tools found', async () => {
    const created = await world.registry.create(admin(), newServer({ auth: bearer('tok-1'), requestHeaders: { 'X-Team': 'blue' } }));
    const probe = new FakeProbe();
    world.clock.advance();
    // Any member of the organization may test.
    const result = await testerWith(probe).test(member(), created.id);
    expect(probe.targets).toEqual([
      {
        organizationId: ORG,
        url: created.url,
        transport: 'streamable_http',
        headers: { 'X-Team': 'blue', Authorization: 'Bearer tok-1' },
        oauth: null,
        secrets: ['blue', 'tok-1'],
      },
    ]);
    const connection = { status: 'connected', lastTestedAt: world.clock.now(), lastConnectedAt: world.clock.now(), errorMessage: null, tools: TOOLS };
    expect(result).toMatchObject({ stored: true, server: { connection } });
    expect((await world.store.servers.findById(created.id))!.connection).toEqual(connection);
  });

  it('records a failure with its class and message, keeping the last successful time and tools', async () => {
    const created = await world.registry.create(admin(), newServer());
    await testerWith(new FakeProbe()).test(admin(), created.id);
    const connectedAt = world.clock.now();
    world.clock.advance();
    await testerWith(new FakeProbe(() => failure('auth', 'The server refused the credentials (401)'))).test(admin(), created.id);
    expect((await world.store.servers.findById(created.id))!.connection).toEqual({
      status: 'failed',
      lastTestedAt: world.clock.now(),
      lastConnectedAt: connectedAt,
      errorMessage: 'auth: The server refused the credentials (401)',
      tools: TOOLS,
    });
  });

  it('stores nothing for a test that never started (busy)', async () => {
    const created = await world.registry.create(admin(), newServer());
    const result = await testerWith(new FakeProbe(() => failure('busy', 'No probe slot'))).test(admin(), created.id);
    expect(result.stored).toBe(false);
    expect((await world.store.servers.findById(created.id))!.connection.status).toBe('untested');
  });

  it('stores nothing when the server was edited while the probe ran, and returns it as it now stands', async () => {
    const created = await world.registry.create(admin(), newServer());
    const probe = new FakeProbe(async () => {
      await world.registry.update(admin(), created.id, { url: 'https://moved.example.com/mcp' });
      return success();
    });
    const result = await testerWith(probe).test(admin(), created.id);
    expect(result).toMatchObject({
      stored: false,
      outcome: { success: true },
      server: { url: 'https://moved.example.com/mcp', connection: { status: 'untested' } },
    });
    expect((await world.store.servers.findById(created.id))!.connection.status).toBe('untested');
  });

  it('stores nothing when the secret was rotated while the probe ran, or the server deleted', async () => {
    await world.vault.create(admin(), ORG, { id: 'secret_rotating', name: 'Token', value: 'old' });
    const rotated = await world.registry.create(admin(), newServer({ name: 'Rotated', auth: sharedSecret('secret_rotating') }));
    const rotate = new FakeProbe(async () => {
      await world.vault.update(admin(), ORG, 'secret_rotating', { value: 'new' });
      return success();
    });
    expect((await testerWith(rotate).test(admin(), rotated.id)).stored).toBe(false);
    expect((await world.store.servers.findById(rotated.id))!.connection.status).toBe('untested');

    const deleted = await world.registry.create(admin(), newServer({ name: 'Deleted' }));
    const remove = new FakeProbe(async () => {
      await world.registry.delete(admin(), deleted.id);
      return success();
    });
    expect((await testerWith(remove).test(admin(), deleted.id)).stored).toBe(false);
  });

  it('fails a server whose secret does not exist as a configuration error, without reaching it', async () => {
    const created = await world.registry.create(admin(), newServer({ auth: sharedSecret('secret_never_created') }));
    const probe = new FakeProbe();
    const result = await testerWith(probe).test(admin(), created.id);
    expect(probe.targets).toEqual([]);
    expect(result.outcome).toMatchObject({ success: false, failureClass: 'config' });
    expect((await world.store.servers.findById(created.id))!.connection).toMatchObject({
      status: 'failed',
      errorMessage: expect.stringMatching(/^config: .*secret_never_created/),
    });
  });

  it("answers NotFound for another tenant's server without probing it", async () => {
    const created = await world.registry.create(admin(), newServer());
    const probe = new FakeProbe();
    await expect(testerWith(probe).test(admin('usr_b', ['org_b']), created.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(probe.targets).toEqual([]);
  });

  it('checks a bare URL over Streamable HTTP, and over SSE only after a protocol failure, unauthenticated', async () => {
    const protocolThenOk = new FakeProbe((t) => (t.transport === 'streamable_http' ? failure('protocol', 'Not MCP') : success()));
    await expect(testerWith(protocolThenOk).checkUrl('https://mcp.example.com/sse', ORG)).resolves.toMatchObject({ success: true });
    expect(protocolThenOk.targets.map((t) => [t.transport, t.headers, t.secrets])).toEqual([
      ['streamable_http', {}, []],
      ['sse', {}, []],
    ]);
    const refused = new FakeProbe(() => failure('auth', 'Refused'));
    await expect(testerWith(refused).checkUrl('https://mcp.example.com/mcp', ORG)).resolves.toMatchObject({ failureClass: 'auth' });
    expect(refused.targets).toHaveLength(1);
  });
});
