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

  /** One round: how many servers this instance checked. */
  async runOnce(): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.deps.leases.due(now - this.settings.intervalMs, now, this.settings.batch);
    const claimed: string[] = [];
    for (const server of due) if (await this.deps.leases.claim(server.id, this.holder, now + this.settings.intervalMs, now)) claimed.push(server.id);
    let checked = 0;
    const next = async (): Promise<void> => {
      for (let id = claimed.shift(); id !== undefined && !this.stopped; id = claimed.shift()) {
        try {
          if (await this.deps.tester.testInBackground(id)) checked += 1;
        } catch (error) {
          this.deps.onError?.(error as Error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, claimed.length) }, next));
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
