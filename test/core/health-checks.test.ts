import type { HealthLeaseRepository } from '../../core/ports';
import type { ConnectionTester } from '../../core/services/connection-tester';
import { HealthChecks } from '../../core/services/health-checks';

/** Leases in memory with the store's rule: taken when free at `now`. */
function memoryLeases(servers: Array<{ id: string; organizationId: string }>) {
  const leases = new Map<string, number>();
  const claims: string[] = [];
  const repository: HealthLeaseRepository = {
    due: async (_before, now, limit) => servers.filter((s) => (leases.get(s.id) ?? 0) <= now).slice(0, limit),
    claim: async (id, _holder, until, now) => {
      if ((leases.get(id) ?? 0) > now) return false;
      leases.set(id, until);
      claims.push(id);
      return true;
    },
    snapshot: async () => [],
  };
  return { repository, claims };
}

/** A tester whose checks take `ms` and record how many of each organization run at once. */
function slowTester(servers: Array<{ id: string; organizationId: string }>, ms: number) {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  const order: string[] = [];
  const tester = {
    testInBackground: async (id: string) => {
      const org = servers.find((s) => s.id === id)!.organizationId;
      running.set(org, (running.get(org) ?? 0) + 1);
      peak.set(org, Math.max(peak.get(org) ?? 0, running.get(org)!));
      order.push(id);
      await new Promise((r) => setTimeout(r, ms));
      running.set(org, running.get(org)! - 1);
      return { server: {}, outcome: {}, stored: true };
    },
  } as unknown as ConnectionTester;
  return { tester, peak, order };
}

describe('a round of background checks', () => {
  const servers = [
    ...Array.from({ length: 5 }, (_, i) => ({ id: `a${i}`, organizationId: 'org_a' })),
    { id: 'b0', organizationId: 'org_b' },
    { id: 'c0', organizationId: 'org_c' },
  ];

  it('runs at most one check per organization at a time, so a large organization does not hold up the others', async () => {
    const { repository } = memoryLeases(servers);
    const { tester, peak, order } = slowTester(servers, 20);
    const checks = new HealthChecks({ leases: repository, tester, clock: { now: () => 1_000 } }, { intervalMs: 60_000, concurrency: 3, batch: 200 });
    expect(await checks.runOnce()).toBe(7);
    expect(Math.max(...peak.values())).toBe(1);
    // The other organizations are not queued behind org_a's five.
    expect(order.indexOf('b0')).toBeLessThan(3);
    expect(order.indexOf('c0')).toBeLessThan(3);
  });

  it('takes each server’s lease just before its test, not for the whole round at once', async () => {
    let now = 1_000;
    const { repository, claims } = memoryLeases(servers);
    const tester = {
      testInBackground: async (id: string) => {
        // Each check advances the clock: a lease taken at the round's start would have aged by now.
        expect(claims[claims.length - 1]).toBe(id);
        now += 10;
        return { server: {}, outcome: {}, stored: true };
      },
    } as unknown as ConnectionTester;
    const checks = new HealthChecks({ leases: repository, tester, clock: { now: () => now } }, { intervalMs: 60_000, concurrency: 1, batch: 200 });
    expect(await checks.runOnce()).toBe(7);
    expect(claims).toHaveLength(7);
  });
});
