import { allowlistHasAddress, parseAllowlist, ruleFor, type Allowlist } from '../../core/probe/address-rules';
import { BlockedDestination, NetworkGuard } from '../../core/probe/network-guard';

describe('ruleFor', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.10.10', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.5', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:a9fe:a9fe::', 'cloud metadata'],
  ])('refuses %s as %s', (address, rule) => expect(ruleFor(address)).toBe(rule));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '::ffff:0:8.8.8.8', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'])(
    'lets the public address %s through',
    (address) => expect(ruleFor(address)).toBeNull(),
  );

  it.each([
    ['168.63.129.16', 'cloud metadata'],
    ['169.254.170.23', 'cloud metadata'],
    ['fd00:ec2::23', 'cloud metadata'],
    ['fd20:ce::254', 'cloud metadata'],
    ['fd00:c1::a9fe:a9fe', 'cloud metadata'],
    ['fec0::1', 'private'],
    ['64:ff9b:1::a00:1', 'reserved'],
    ['64:ff9b:1:ffff::8.8.8.8', 'reserved'],
  ])('refuses %s as %s', (address, rule) => expect(ruleFor(address)).toBe(rule));
});

/** The host the WHATWG URL parser hands to the connector: what the guard really sees. */
const parsedHost = (url: string) => new URL(url).hostname;

describe('ruleFor on the forms the URL parser produces', () => {
  it.each([
    // IPv4-compatible (::a.b.c.d, deprecated): the parser writes them as ::7f00:1 and so on.
    ['http://[::127.0.0.1]/', '[::7f00:1]', 'loopback'],
    ['http://[0:0:0:0:0:0:7f00:1]/', '[::7f00:1]', 'loopback'],
    ['http://[::169.254.169.254]/', '[::a9fe:a9fe]', 'cloud metadata'],
    ['http://[::10.0.0.1]/', '[::a00:1]', 'private'],
    ['http://[::8.8.8.8]/', '[::808:808]', 'reserved'],
    // SIIT (::ffff:0:a.b.c.d).
    ['http://[::ffff:0:127.0.0.1]/', '[::ffff:0:7f00:1]', 'loopback'],
    ['http://[::ffff:0:169.254.169.254]/', '[::ffff:0:a9fe:a9fe]', 'cloud metadata'],
    // IPv4-mapped, written with a dotted quad.
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]', 'loopback'],
    // NAT64 well-known and local-use prefixes.
    ['http://[64:ff9b::127.0.0.1]/', '[64:ff9b::7f00:1]', 'loopback'],
    ['http://[64:ff9b:1::10.0.0.1]/', '[64:ff9b:1::a00:1]', 'reserved'],
    // Site-local (deprecated).
    ['http://[fec0::1]/', '[fec0::1]', 'private'],
    ['http://[feff::1]/', '[feff::1]', 'private'],
    // Teredo: the client address is the last 32 bits inverted (127.0.0.1, 10.0.0.1, 169.254.169.254).
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', '[2001:0:4136:e378:8000:63bf:80ff:fffe]', 'loopback'],
    ['http://[2001::f5ff:fffe]/', '[2001::f5ff:fffe]', 'private'],
    ['http://[2001::5601:5601]/', '[2001::5601:5601]', 'cloud metadata'],
    // Cloud metadata services beyond 169.254.169.254.
    ['http://168.63.129.16/', '168.63.129.16', 'cloud metadata'],
    ['http://169.254.170.23/', '169.254.170.23', 'cloud metadata'],
    ['http://[fd00:ec2::23]/', '[fd00:ec2::23]', 'cloud metadata'],
    ['http://[fd20:ce:0::254]/', '[fd20:ce::254]', 'cloud metadata'],
    ['http://[fd00:c1::169.254.169.254]/', '[fd00:c1::a9fe:a9fe]', 'cloud metadata'],
    // IPv4 spellings the parser normalises.
    ['http://0x7f.1/', '127.0.0.1', 'loopback'],
    ['http://2130706433/', '127.0.0.1', 'loopback'],
    ['http://0251.0376.0251.0376/', '169.254.169.254', 'cloud metadata'],
  ])('refuses %s (the parser gives %s) as %s', (url, host, rule) => {
    expect(parsedHost(url)).toBe(host);
    expect(ruleFor(parsedHost(url))).toBe(rule);
  });

  it('keeps the IPv6 unspecified and loopback addresses under their own rules, not as IPv4-compatible', () => {
    expect(ruleFor(parsedHost('http://[::]/'))).toBe('unspecified');
    expect(ruleFor(parsedHost('http://[0::1]/'))).toBe('loopback');
  });
});

describe('parseAllowlist', () => {
  it('reads host names, addresses and CIDR ranges', () => {
    const list = parseAllowlist(' mcp.internal , 10.0.0.5,192.168.0.0/16, fd00::/8 ') as Allowlist;
    expect([...list.hosts]).toEqual(['mcp.internal']);
    expect(allowlistHasAddress(list, '10.0.0.5')).toBe(true);
    expect(allowlistHasAddress(list, '10.0.0.6')).toBe(false);
    expect(allowlistHasAddress(list, '192.168.44.1')).toBe(true);
    expect(allowlistHasAddress(list, '::ffff:192.168.44.1')).toBe(true);
    expect(allowlistHasAddress(list, 'fd00::9')).toBe(true);
  });

  it.each(['10.0.0.0/99', 'not a host!', 'http://x'])('refuses %j', (text) => expect(parseAllowlist(text)).toHaveProperty('error'));
});

describe('NetworkGuard', () => {
  const policy = (allowed = '', allowPrivateNetworks = false) => ({ allowlist: parseAllowlist(allowed) as Allowlist, allowPrivateNetworks });
  const dns = (answers: Record<string, string[]>) => async (host: string) => answers[host] ?? [];

  it('names the host and the rule when it refuses, but never the address the name resolved to', async () => {
    const guard = new NetworkGuard(policy(), dns({ 'internal.test': ['10.0.0.7'] }));
    await expect(guard.resolve('internal.test')).rejects.toThrow(BlockedDestination);
    const refusal = (await guard.resolve('internal.test').catch((e: BlockedDestination) => e)) as BlockedDestination;
    expect(refusal.message).toBe('Refused to connect to internal.test: private addresses are blocked; an operator can open it with MCP_GATEWAY_ALLOWED_HOSTS');
    expect(refusal.message).not.toContain('10.0.0.7');
    // The address stays on the error, for the log.
    expect(refusal).toMatchObject({ host: 'internal.test', address: '10.0.0.7', rule: 'private' });
  });

  it('names an address literal the caller wrote, since it discloses nothing', async () => {
    const guard = new NetworkGuard(policy(), dns({}));
    await expect(guard.resolve('10.0.0.7')).rejects.toThrow(
      'Refused to connect to 10.0.0.7: private addresses are blocked; an operator can open it with MCP_GATEWAY_ALLOWED_HOSTS',
    );
  });

  it.each([
    ['http://[::127.0.0.1]:8080/mcp', 'loopback'],
    ['http://[::ffff:0:a9fe:a9fe]/mcp', 'cloud metadata'],
    ['http://[64:ff9b:1::a00:1]/mcp', 'reserved'],
    ['http://[fec0::1]/mcp', 'private'],
    ['http://[2001::5601:5601]/mcp', 'cloud metadata'],
    ['http://168.63.129.16/mcp', 'cloud metadata'],
  ])('refuses the parsed host of %s without resolving or dialing it (%s)', async (url, rule) => {
    const lookups: string[] = [];
    const guard = new NetworkGuard(policy(), async (host) => {
      lookups.push(host);
      return [];
    });
    await expect(guard.resolve(new URL(url).hostname)).rejects.toMatchObject({ rule });
    expect(lookups).toEqual([]);
  });

  it('refuses a host name whose DNS answer is one of these forms', async () => {
    const guard = new NetworkGuard(
      policy('', true),
      dns({
        'compat.test': ['::a9fe:a9fe'],
        'teredo.test': ['2001::5601:5601'],
        'azure.test': ['168.63.129.16'],
        'gcp.test': ['fd20:ce::254'],
        'oci.test': ['fd00:c1::a9fe:a9fe'],
      }),
    );
    await expect(guard.resolve('compat.test')).rejects.toMatchObject({ rule: 'cloud metadata' });
    await expect(guard.resolve('teredo.test')).rejects.toMatchObject({ rule: 'cloud metadata' });
    await expect(guard.resolve('azure.test')).rejects.toMatchObject({ rule: 'cloud metadata' });
    // Private networks are open here, and these two sit inside fc00::/7: they stay refused.
    await expect(guard.resolve('gcp.test')).rejects.toMatchObject({ rule: 'cloud metadata' });
    await expect(guard.resolve('oci.test')).rejects.toMatchObject({ rule: 'cloud metadata' });
  });

  it('opens private ranges with MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS, but never cloud metadata', async () => {
    const guard = new NetworkGuard(policy('', true), dns({ 'internal.test': ['10.0.0.7'], 'meta.test': ['169.254.169.254'] }));
    await expect(guard.resolve('internal.test')).resolves.toBe('10.0.0.7');
    await expect(guard.resolve('127.0.0.1')).resolves.toBe('127.0.0.1');
    await expect(guard.resolve('meta.test')).rejects.toThrow(/cloud metadata/);
  });

  it('opens an allowlisted host name whatever it resolves to, and an allowlisted address or range', async () => {
    const guard = new NetworkGuard(policy('mcp.internal,10.9.0.0/16'), dns({ 'mcp.internal': ['10.1.1.1'], 'other.test': ['10.9.3.4'] }));
    await expect(guard.resolve('mcp.internal')).resolves.toBe('10.1.1.1');
    await expect(guard.resolve('other.test')).resolves.toBe('10.9.3.4');
  });

  it('connects to a public address of a host that also has private ones, never to a private one', async () => {
    const guard = new NetworkGuard(policy(), dns({ 'mixed.test': ['10.0.0.1', '93.184.216.34'] }));
    await expect(guard.resolve('mixed.test')).resolves.toBe('93.184.216.34');
  });
});
