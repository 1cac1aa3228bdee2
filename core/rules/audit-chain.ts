import { createHash } from 'node:crypto';
import type { AuditEvent, NewAuditEvent } from '../model/audit';

/** The previous hash of an organization's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * An event's hash: SHA-256 over its previous hash and every recorded field, in a fixed order, so
 * editing any field of any event, or deleting one, breaks the chain from there on.
 */
export function chainHash(event: NewAuditEvent & { seq: number }, prevHash: string): string {
  const canonical = JSON.stringify([
    prevHash,
    event.organizationId,
    event.seq,
    event.at,
    event.actor.keyId,
    event.actor.userId,
    event.actor.dialect,
    event.action,
    event.targetType,
    event.targetId,
    event.fields,
    event.outcome,
    sortedEntries(event.detail),
    event.requestId,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function sortedEntries(detail: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(detail).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export type BrokenLink = { seq: number; problem: 'missing' | 'edited' | 'relinked' };

/**
 * Checks a chain read in order, batch by batch, from where it is checkable (`start`: the last
 * pruned event, or the genesis). Each event must follow the one before (no gap), name its hash,
 * and hash to what it says; `end` checks that nothing was cut off after the last event read.
 */
export class ChainCheck {
  private expectedSeq: number;
  private prevHash: string;

  constructor(start: { seq: number; hash: string }) {
    this.expectedSeq = start.seq + 1;
    this.prevHash = start.hash;
  }

  /** The number of events checked so far. */
  get checked(): number {
    return this.expectedSeq - 1;
  }

  next(events: AuditEvent[]): BrokenLink | null {
    for (const event of events) {
      if (event.seq !== this.expectedSeq) return { seq: this.expectedSeq, problem: 'missing' };
      if (event.prevHash !== this.prevHash) return { seq: event.seq, problem: 'relinked' };
      if (chainHash(event, this.prevHash) !== event.hash) return { seq: event.seq, problem: 'edited' };
      this.prevHash = event.hash;
      this.expectedSeq += 1;
    }
    return null;
  }

  /** After the last batch: the head (last event written) must be the last event read. */
  end(head: { seq: number; hash: string }): BrokenLink | null {
    if (head.seq >= this.expectedSeq) return { seq: this.expectedSeq, problem: 'missing' };
    if (head.seq === this.expectedSeq - 1 && head.hash !== this.prevHash) return { seq: head.seq, problem: 'edited' };
    return null;
  }
}
