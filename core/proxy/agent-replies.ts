import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A JSON-RPC response an agent posted: the answer to a request the gateway sent it. */
export type AgentReply = Record<string, unknown> & { id: string | number };

export interface WaitingReply {
  answer: Promise<AgentReply>;
  /** Stops waiting (the call ended): a late answer is dropped. */
  cancel(): void;
}

/**
 * Carries a 2025-era agent's answer to a server-to-client request (elicitation, sampling,
 * roots) to the call that asked. The agent posts its answer as a request of its own, which may
 * reach any instance; the call waits on the instance that sent the question. Each question goes
 * out under a relay id nobody can guess, issued to one owner (a key in one session, see
 * ownerOf): only that owner's answer is taken, and an id the gateway did not issue to the
 * poster is refused before anything is stored.
 */
export interface AgentReplies {
  /** A relay id for a question to `owner`: what the agent sees as the request's JSON-RPC id. */
  newId(owner: string): string;
  /** Whether `id` is one the gateway issued to `owner` (checkable on any instance). */
  issuedTo(id: string, owner: string): boolean;
  /** An id every instance derives alike for `owner` and `seed`. */
  derivedId(owner: string, seed: string): string;
  expect(id: string, owner: string): WaitingReply;
  deliver(id: string, owner: string, reply: AgentReply): Promise<void>;
  close(): Promise<void>;
}

/** Who may answer a question: the key, in the session it was asked in. */
export function ownerOf(keyId: string, sessionIdHash: string): string {
  return `${keyId}:${sessionIdHash.slice(0, 16)}`;
}

/**
 * Relay ids: `gw-`, 16 random hex digits, and 16 hex digits of an HMAC (keyed from the
 * encryption key every instance shares) over them and the owner. Any instance can tell an id the
 * gateway issued to this owner from a made-up one, without a lookup.
 */
export class RelayIds {
  constructor(private readonly key: Buffer) {}

  issue(owner: string): string {
    const nonce = randomBytes(8).toString('hex');
    return `gw-${nonce}${this.mac(nonce, owner)}`;
  }

  /** The same id on every instance for the same owner and seed (a cancellation names the request it cancels). */
  derive(owner: string, seed: string): string {
    const nonce = createHmac('sha256', this.key).update(`derive\n${owner}\n${seed}`).digest('hex').slice(0, 16);
    return `gw-${nonce}${this.mac(nonce, owner)}`;
  }

  check(id: string, owner: string): boolean {
    const match = /^gw-([0-9a-f]{16})([0-9a-f]{16})$/.exec(id);
    if (!match) return false;
    return timingSafeEqual(Buffer.from(match[2]!, 'hex'), Buffer.from(this.mac(match[1]!, owner), 'hex'));
  }

  private mac(nonce: string, owner: string): string {
    return createHmac('sha256', this.key).update(`${nonce}\n${owner}`).digest('hex').slice(0, 16);
  }
}

export interface Waiter {
  owner: string;
  resolve(reply: AgentReply): void;
}

/** The relay within one process (or an answer that reaches the instance that asked). */
export class LocalAgentReplies implements AgentReplies {
  protected readonly waiting = new Map<string, Waiter>();

  constructor(private readonly ids: RelayIds) {}

  newId(owner: string): string {
    return this.ids.issue(owner);
  }

  issuedTo(id: string, owner: string): boolean {
    return this.ids.check(id, owner);
  }

  derivedId(owner: string, seed: string): string {
    return this.ids.derive(owner, seed);
  }

  expect(id: string, owner: string): WaitingReply {
    let resolve!: (reply: AgentReply) => void;
    const answer = new Promise<AgentReply>((r) => {
      resolve = r;
    });
    this.waiting.set(id, { owner, resolve });
    return { answer, cancel: () => this.waiting.delete(id) };
  }

  async deliver(id: string, owner: string, reply: AgentReply): Promise<void> {
    if (this.issuedTo(id, owner)) this.settle(id, owner, reply);
  }

  /** Hands the answer to its waiter here; false when nobody here waits for it. */
  protected settle(id: string, owner: string, reply: AgentReply): boolean {
    const waiter = this.waiting.get(id);
    if (!waiter) return false;
    // Anyone else's answer to this question is no answer (and the question stays open).
    if (waiter.owner === owner) {
      this.waiting.delete(id);
      waiter.resolve(reply);
    }
    return true;
  }

  async close(): Promise<void> {
    this.waiting.clear();
  }
}
