import { lookup as dnsLookup } from 'node:dns/promises';
import { describeProbeFailure } from './failure-reasons';
import { allowlistHasAddress, isIpLiteral, PRIVATE_RULES, ruleFor, stripBrackets, type AddressRule, type Allowlist } from './address-rules';

export interface NetworkPolicy {
  allowlist: Allowlist;
  /** MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS: open loopback, private, link-local and CGNAT ranges. */
  allowPrivateNetworks: boolean;
}

/** Resolves a host name to its addresses; injectable so tests can make DNS misbehave. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * A connection the guard refused. The message names the host the caller gave and the rule, never
 * the address a name resolved to: any key may read it, and it would make the gateway a DNS oracle
 * for internal names. The address stays on the error for the log.
 */
export class BlockedDestination extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly rule: AddressRule,
  ) {
    super(describeProbeFailure({ kind: 'blocked_destination', host, rule }));
    this.name = 'BlockedDestination';
  }
}

/**
 * Decides where an outbound connection may go. `resolve` returns the one address to connect
 * to; the caller must connect to exactly that address, so a second DNS answer (rebinding)
 * never gets a say.
 */
export class NetworkGuard {
  constructor(
    private readonly policy: NetworkPolicy,
    private readonly resolver: Resolver = systemResolver,
    /** Told every refusal, resolved address included (the operator's log). */
    private readonly onRefused: (refusal: BlockedDestination) => void = () => undefined,
  ) {}

  async resolve(host: string): Promise<string> {
    const name = stripBrackets(host).toLowerCase();
    const hostAllowed = this.policy.allowlist.hosts.has(name);
    const addresses = isIpLiteral(name) ? [name] : await this.resolver(name);
    if (addresses.length === 0) throw Object.assign(new Error(`${host} did not resolve to any address`), { code: 'ENOTFOUND' });
    let refusal: BlockedDestination | null = null;
    for (const address of addresses) {
      const rule = ruleFor(address);
      if (rule === null || hostAllowed || this.opens(rule, address)) return address;
      refusal ??= new BlockedDestination(host, address, rule);
    }
    this.onRefused(refusal!);
    throw refusal!;
  }

  private opens(rule: AddressRule, address: string): boolean {
    if (allowlistHasAddress(this.policy.allowlist, address)) return true;
    return this.policy.allowPrivateNetworks && PRIVATE_RULES.has(rule);
  }
}
