import { randomBytes } from 'node:crypto';

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
 * out under a relay id nobody can guess, and only the key that was asked can answer it.
 */
export interface AgentReplies {
  expect(id: string, keyId: string): WaitingReply;
  deliver(id: string, keyId: string, reply: AgentReply): Promise<void>;
  close(): Promise<void>;
}

/** A relay id: what the agent sees as the request's JSON-RPC id. */
export function newRelayId(): string {
  return `gw-${randomBytes(16).toString('hex')}`;
}

export interface Waiter {
  keyId: string;
  resolve(reply: AgentReply): void;
}

/** The relay within one process (SQLite, or an answer that reaches the instance that asked). */
export class LocalAgentReplies implements AgentReplies {
  protected readonly waiting = new Map<string, Waiter>();

  expect(id: string, keyId: string): WaitingReply {
    let resolve!: (reply: AgentReply) => void;
    const answer = new Promise<AgentReply>((r) => {
      resolve = r;
    });
    this.waiting.set(id, { keyId, resolve });
    return { answer, cancel: () => this.waiting.delete(id) };
  }

  async deliver(id: string, keyId: string, reply: AgentReply): Promise<void> {
    this.settle(id, keyId, reply);
  }

  /** Hands the answer to its waiter here; false when nobody here waits for it. */
  protected settle(id: string, keyId: string, reply: AgentReply): boolean {
    const waiter = this.waiting.get(id);
    if (!waiter) return false;
    // Another key's answer to this question is no answer (and the question stays open).
    if (waiter.keyId === keyId) {
      this.waiting.delete(id);
      waiter.resolve(reply);
    }
    return true;
  }

  async close(): Promise<void> {
    this.waiting.clear();
  }
}
