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

/**
 * missing: an event is gone (deleted, or the chain cut off before the head); edited: an event no
 * longer hashes to what it says; relinked: it does not follow the event before it; unanchored:
 * events exist past, or without, the organization's head record.
 */
export type BrokenLink = { seq: number; problem: 'missing' | 'edited' | 'relinked' | 'unanchored' };

/**
 * Checks a chain read in order, batch by batch, from where it is checkable (`start`: the last
 * pruned event, or the genesis). Each event must follow the one before (no gap), name its hash,
 * and hash to what it says; `end` checks that nothing was cut off after the last event read.
 */
export class ChainCheck {
  private expectedSeq: number;
  private prevHash: string;
  private readonly start: number;

  constructor(start: { seq: number; hash: string }) {
    this.start = start.seq;
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

  /** After the last batch: the head (the last event written) must be the last event read, or there is no head and nothing was read. */
  end(head: { seq: number; hash: string } | null): BrokenLink | null {
    const lastRead = this.expectedSeq - 1;
    if (head === null) return lastRead > this.start ? { seq: this.start + 1, problem: 'unanchored' } : null;
    if (head.seq > lastRead) return { seq: lastRead + 1, problem: 'missing' };
    if (head.seq < lastRead) return { seq: head.seq + 1, problem: 'unanchored' };
    if (head.hash !== this.prevHash) return { seq: head.seq, problem: 'edited' };
    return null;
  }
}
