import ipaddr from 'ipaddr.js';

/**
 * Which destination addresses a tenant's connection test may reach. Each refused range has a
 * rule name, so a refusal can say why. `private` ranges open with
 * MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS; the others only through an explicit allowlist entry.
 */
export type AddressRule =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'carrier-grade NAT'
  | 'cloud metadata'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved';

interface Range {
  cidr: [ipaddr.IPv4 | ipaddr.IPv6, number];
  rule: AddressRule;
}

const range = (text: string, rule: AddressRule): Range => ({ cidr: ipaddr.parseCIDR(text), rule });

// Metadata first: it sits inside link-local and private ranges but stays refused when those open.
const RANGES: Range[] = [
  range('169.254.169.254/32', 'cloud metadata'),
  range('169.254.170.2/32', 'cloud metadata'),
  range('100.100.100.200/32', 'cloud metadata'),
  range('192.0.0.192/32', 'cloud metadata'),
  range('fd00:ec2::254/128', 'cloud metadata'),
  // Azure's wire server (a public address, so it must be named), EKS Pod Identity.
  range('168.63.129.16/32', 'cloud metadata'),
  range('169.254.170.23/32', 'cloud metadata'),
  range('fd00:ec2::23/128', 'cloud metadata'),
  // GCP and OCI metadata over IPv6: inside fc00::/7, so they must be named before it.
  range('fd20:ce::254/128', 'cloud metadata'),
  range('fd00:c1::a9fe:a9fe/128', 'cloud metadata'),
  range('0.0.0.0/8', 'unspecified'),
  range('::/128', 'unspecified'),
  range('127.0.0.0/8', 'loopback'),
  range('::1/128', 'loopback'),
  range('10.0.0.0/8', 'private'),
  range('172.16.0.0/12', 'private'),
  range('192.168.0.0/16', 'private'),
  range('fc00::/7', 'private'),
  // Site-local (deprecated by RFC 3879, still routed inside some networks).
  range('fec0::/10', 'private'),
  range('169.254.0.0/16', 'link-local'),
  range('fe80::/10', 'link-local'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('224.0.0.0/4', 'multicast'),
  range('ff00::/8', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'reserved'),
  range('198.18.0.0/15', 'reserved'),
  range('198.51.100.0/24', 'reserved'),
  range('203.0.113.0/24', 'reserved'),
  range('240.0.0.0/4', 'reserved'),
  range('2001:db8::/32', 'reserved'),
  range('100::/64', 'reserved'),
  // NAT64 local-use (RFC 8215): the operator picks where the IPv4 address sits, so none can be read out.
  range('64:ff9b:1::/48', 'reserved'),
  // IPv4-compatible (::a.b.c.d, deprecated by RFC 4291) with a public address inside: never a real destination.
  range('::/96', 'reserved'),
];

/** Rules a development setting may open; metadata, multicast and the like never open this way. */
export const PRIVATE_RULES: ReadonlySet<AddressRule> = new Set(['loopback', 'private', 'link-local', 'carrier-grade NAT']);

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16');
const TEREDO = ipaddr.parseCIDR('2001::/32');
const SIIT = ipaddr.parseCIDR('::ffff:0:0:0/96');
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * IPv6 forms that carry an IPv4 address inside are judged by the IPv4 address they lead to:
 * mapped ::ffff:a.b.c.d, SIIT ::ffff:0:a.b.c.d, IPv4-compatible ::a.b.c.d (what the URL parser
 * makes of [::127.0.0.1]), NAT64 64:ff9b::/96, 6to4 2002::/16, and Teredo 2001::/32, whose
 * client address is the last 32 bits inverted.
 */
function effectiveAddress(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  const parts = v6.parts;
  const embedded = (hi: number, lo: number) => ipaddr.fromByteArray([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]) as ipaddr.IPv4;
  const last = () => embedded(parts[6]!, parts[7]!);
  if (v6.match(SIIT) || v6.match(NAT64)) return last();
  // :: and ::1 are IPv6's own unspecified and loopback addresses, not IPv4-compatible ones.
  if (v6.match(IPV4_COMPATIBLE) && !(parts[6] === 0 && parts[7]! <= 1)) return last();
  if (v6.match(SIX_TO_FOUR)) return embedded(parts[1]!, parts[2]!);
  if (v6.match(TEREDO)) return embedded(parts[6]! ^ 0xffff, parts[7]! ^ 0xffff);
  return v6;
}

function firstRule(address: ipaddr.IPv4 | ipaddr.IPv6): AddressRule | null {
  for (const { cidr, rule } of RANGES) {
    if (address.kind() === cidr[0].kind() && address.match(cidr)) return rule;
  }
  return null;
}

/** The rule that refuses this address, or null for an ordinary public unicast address. */
export function ruleFor(address: string): AddressRule | null {
  const parsed = ipaddr.parse(stripBrackets(address));
  // The embedded IPv4 address decides first; an IPv6 range (::/96, say) still refuses a public one.
  return firstRule(effectiveAddress(parsed)) ?? firstRule(parsed);
}

export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(stripBrackets(host));
}

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** MCP_GATEWAY_ALLOWED_HOSTS: host names, IP addresses and CIDR ranges, comma-separated. */
export interface Allowlist {
  hosts: ReadonlySet<string>;
  ranges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

export function parseAllowlist(text: string | undefined): Allowlist | { error: string } {
  const hosts = new Set<string>();
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry.includes('/')) {
      try {
        ranges.push(ipaddr.parseCIDR(entry));
      } catch {
        return { error: `'${entry}' is not a valid CIDR range` };
      }
    } else if (ipaddr.isValid(stripBrackets(entry))) {
      const address = ipaddr.parse(stripBrackets(entry));
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      hosts.add(entry);
    } else {
      return { error: `'${entry}' is not a host name, an IP address or a CIDR range` };
    }
  }
  return { hosts, ranges };
}

export function allowlistHasAddress(allowlist: Allowlist, address: string): boolean {
  const parsed = ipaddr.parse(stripBrackets(address));
  const candidates = [parsed, effectiveAddress(parsed)];
  return allowlist.ranges.some((cidr) => candidates.some((c) => c.kind() === cidr[0].kind() && c.match(cidr)));
}
