import { randomBytes } from 'node:crypto';
import type { Clock, HealthLeaseRepository } from '../ports';
import type { ConnectionTester } from './connection-tester';

export interface HealthCheckSettings {
  /** MCP_GATEWAY_HEALTH_INTERVAL_S in milliseconds: each active server is checked about this often. */
  intervalMs: number;
  /** Checks running at once from this instance (the probe's own limits, per organization too, still apply). */
  concurrency: number;
  /** Servers looked at per round. */
  batch: number;
}

/**
 * Re-tests active servers in the background through the connection tester, so a scheduled check
 * and a manual one share one probe path, one timeout and one stored outcome. Each round takes
 * the servers not tested for an interval, claims each one's lease for an interval (the database
 * decides between instances, so each server is checked by one instance per interval), and tests
 * the claimed ones a few at a time. Rounds are jittered so instances started together drift apart.
 */
export class HealthChecks {
  private readonly holder = `hc_${randomBytes(8).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly deps: { leases: HealthLeaseRepository; tester: ConnectionTester; clock: Clock; onError?: (error: Error) => void },
    private readonly settings: HealthCheckSettings,
  ) {}

  /**
   * One round: how many servers this instance checked. A server's lease is taken just before its
   * test (so a lease never runs out while the server waits its turn), and one organization has at
   * most one background test at a time, so its manual tests always find the rest of its probe
   * slots free and no organization's servers hold up another's.
   */
  async runOnce(): Promise<number> {
    const started = this.deps.clock.now();
    const queue = await this.deps.leases.due(started - this.settings.intervalMs, started, this.settings.batch);
    const busy = new Set<string>();
    const waiting: Array<() => void> = [];
    let checked = 0;
    const worker = async (): Promise<void> => {
      while (!this.stopped && queue.length > 0) {
        const index = queue.findIndex((s) => !busy.has(s.organizationId));
        if (index < 0) {
          await new Promise<void>((resolve) => waiting.push(resolve));
          continue;
        }
        const [server] = queue.splice(index, 1);
        busy.add(server!.organizationId);
        try {
          const now = this.deps.clock.now();
          if (await this.deps.leases.claim(server!.id, this.holder, now + this.settings.intervalMs, now)) {
            if (await this.deps.tester.testInBackground(server!.id)) checked += 1;
          }
        } catch (error) {
          this.deps.onError?.(error as Error);
        } finally {
          busy.delete(server!.organizationId);
          for (const wake of waiting.splice(0)) wake();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, queue.length) }, worker));
    return checked;
  }

  /** Rounds every tenth of an interval (at least 1 s, at most 30 s), each ±20 % at random. */
  start(): void {
    const period = Math.min(30_000, Math.max(1000, this.settings.intervalMs / 10));
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(
        () => {
          this.running = this.runOnce().catch((error) => {
            this.deps.onError?.(error as Error);
            return 0;
          });
          void this.running.finally(schedule);
        },
        period * (0.8 + Math.random() * 0.4),
      );
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
