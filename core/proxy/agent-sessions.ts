import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../ports';

/** A 2025-era agent's session with the MCP endpoint, as every instance can read it back. */
export interface AgentSession {
  /** SHA-256 of the session id (found sessions carry it): what an answer's owner names. */
  idHash?: string;
  keyId: string;
  /** What the session was opened on: `server:<id>` or `organization:<id>`. */
  target: string;
  protocolVersion: string;
  /** What the agent declared it can answer (elicitation, sampling, roots), or null. */
  inputCapabilities: Record<string, unknown> | null;
  createdAt: number;
  lastSeenAt: number;
}

export interface AgentSessionRepository {
  insert(idHash: string, session: AgentSession): Promise<void>;
  find(idHash: string): Promise<AgentSession | null>;
  touch(idHash: string, at: number): Promise<void>;
  delete(idHash: string): Promise<boolean>;
  /** Drops the key's sessions idle since before `cutoff`, then its least recently seen past `keep`. */
  prune(keyId: string, cutoff: number, keep: number): Promise<void>;
  /** Drops every session idle since before `cutoff`. */
  sweep(cutoff: number): Promise<void>;
}

export interface AgentSessionSettings {
  /** MCP_GATEWAY_MCP_SESSION_IDLE_MS: a session unused this long is over (the agent starts a new one). */
  sessionIdleMs: number;
}

/** Sessions one key holds at once; opening one more ends its least recently used. */
export const MAX_SESSIONS_PER_KEY = 1000;
/** How often a session's last use is written: at most once a minute (sooner under a short idle limit), not on every message. */
const TOUCH_EVERY_MS = 60_000;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The sessions of 2025-era agents (`initialize` and `Mcp-Session-Id`). A session binds its id to
 * the key that opened it and the target it was opened on: presented with another key or on
 * another endpoint, it does not exist. The database holds a hash of each id, never the id.
 */
export class AgentSessions {
  private opened = 0;

  constructor(
    private readonly repository: AgentSessionRepository,
    private readonly clock: Clock,
    private readonly settings: AgentSessionSettings,
  ) {}

  async open(keyId: string, target: string, protocolVersion: string, declared: unknown): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const cutoff = now - this.settings.sessionIdleMs;
    await this.repository.prune(keyId, cutoff, MAX_SESSIONS_PER_KEY - 1);
    await this.repository.insert(hashOf(id), {
      keyId,
      target,
      protocolVersion: protocolVersion.slice(0, 32),
      inputCapabilities: inputCapabilitiesOf(declared),
      createdAt: now,
      lastSeenAt: now,
    });
    if (++this.opened % 200 === 0) await this.repository.sweep(cutoff);
    return id;
  }

  /** The session, when it exists, is this key's on this target, and has not been idle too long; its use is recorded. */
  async find(id: string, keyId: string, target: string): Promise<AgentSession | null> {
    if (!SESSION_ID.test(id)) return null;
    const idHash = hashOf(id);
    const session = await this.repository.find(idHash);
    if (!session || session.keyId !== keyId || session.target !== target) return null;
    const now = this.clock.now();
    if (now - session.lastSeenAt > this.settings.sessionIdleMs) {
      await this.repository.delete(idHash);
      return null;
    }
    // Written at most once a minute, and always well within the idle limit, so a session in use never lapses.
    if (now - session.lastSeenAt > Math.min(TOUCH_EVERY_MS, this.settings.sessionIdleMs / 4)) await this.repository.touch(idHash, now);
    return { ...session, idHash };
  }

  /** Ends the session (DELETE); false when there is none to end for this key and target. */
  async end(id: string, keyId: string, target: string): Promise<boolean> {
    if (!(await this.find(id, keyId, target))) return false;
    return this.repository.delete(hashOf(id));
  }
}

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * The client capabilities the gateway can relay (elicitation, sampling, roots), rebuilt from the
 * agent's `initialize` with only the sub-fields the spec names: what is stored and sent upstream
 * is bounded whatever the agent declared.
 */
export function inputCapabilitiesOf(declared: unknown): Record<string, unknown> | null {
  if (declared === null || typeof declared !== 'object' || Array.isArray(declared)) return null;
  const known: Record<string, readonly string[]> = { elicitation: ['form', 'url'], sampling: ['context', 'tools'], roots: [] };
  const kept: Record<string, unknown> = {};
  for (const [name, subFields] of Object.entries(known)) {
    const value = (declared as Record<string, unknown>)[name];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const capability: Record<string, unknown> = {};
    for (const field of subFields) if ((value as Record<string, unknown>)[field] !== undefined) capability[field] = {};
    if (name === 'roots' && (value as { listChanged?: unknown }).listChanged === true) capability.listChanged = true;
    kept[name] = capability;
  }
  return Object.keys(kept).length ? kept : null;
}
