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

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets the public address %s through', (address) =>
    expect(ruleFor(address)).toBeNull(),
  );
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

  it('names the rule and the resolved address when it refuses', async () => {
    const guard = new NetworkGuard(policy(), dns({ 'internal.test': ['10.0.0.7'] }));
    await expect(guard.resolve('internal.test')).rejects.toThrow(BlockedDestination);
    await expect(guard.resolve('internal.test')).rejects.toThrow('Refused to connect to internal.test (10.0.0.7): private addresses are blocked');
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
