interface Waiter {
  seq: number;
  grant(): void;
}

/**
 * At most `limit` holders at once, and at most `perTenant` of them for any one tenant (an
 * organization), so one tenant's burst cannot take every slot. The rest wait; a freed slot
 * goes to the waiting tenant holding the fewest slots (the earliest waiter among equals), so
 * each tenant gets its share however many tests another one queues. Waiters give up when their
 * signal aborts.
 */
export class ConcurrencyLimit {
  private active = 0;
  private seq = 0;
  private readonly held = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(
    private readonly limit: number,
    private readonly perTenant: number = limit,
  ) {}

  async acquire(signal: AbortSignal, tenant = ''): Promise<void> {
    if (!this.waiting.has(tenant) && this.canTake(tenant)) {
      this.take(tenant);
      return;
    }
    this.seq += 1;
    const seq = this.seq;
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        seq,
        grant: () => {
          signal.removeEventListener('abort', abandon);
          resolve();
        },
      };
      const abandon = () => {
        const queue = this.waiting.get(tenant) ?? [];
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        if (queue.length === 0) this.waiting.delete(tenant);
        reject(signal.reason);
      };
      if (signal.aborted) return abandon();
      this.waiting.set(tenant, [...(this.waiting.get(tenant) ?? []), waiter]);
      signal.addEventListener('abort', abandon, { once: true });
    });
  }

  /** Hands freed slots straight to waiters, so no newcomer can slip in between. */
  release(tenant = ''): void {
    this.active -= 1;
    const count = (this.held.get(tenant) ?? 1) - 1;
    if (count > 0) this.held.set(tenant, count);
    else this.held.delete(tenant);
    this.dispatch();
  }

  /** The most one tenant may hold at once. */
  get perTenantLimit(): number {
    return this.perTenant;
  }

  get inUse(): number {
    return this.active;
  }

  private canTake(tenant: string): boolean {
    return this.active < this.limit && (this.held.get(tenant) ?? 0) < this.perTenant;
  }

  private take(tenant: string): void {
    this.active += 1;
    this.held.set(tenant, (this.held.get(tenant) ?? 0) + 1);
  }

  private dispatch(): void {
    while (this.active < this.limit) {
      let next: { tenant: string; held: number; seq: number } | null = null;
      for (const [tenant, queue] of this.waiting) {
        const held = this.held.get(tenant) ?? 0;
        if (held >= this.perTenant) continue;
        const seq = queue[0]!.seq;
        if (!next || held < next.held || (held === next.held && seq < next.seq)) next = { tenant, held, seq };
      }
      if (!next) return;
      const queue = this.waiting.get(next.tenant)!;
      const waiter = queue.shift()!;
      if (queue.length === 0) this.waiting.delete(next.tenant);
      this.take(next.tenant);
      waiter.grant();
    }
  }
}
