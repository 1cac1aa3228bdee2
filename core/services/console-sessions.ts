import { sha256Hex as sha256 } from '../digest';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationRequired } from '../errors';
import { randomToken } from '../ids';
import type { KeyFormat } from '../model/api-key';
import type { Principal } from '../model/principal';
import type { Clock, ConsoleSessionRepository } from '../ports';
import type { ApiKeyService } from './api-keys';

export interface ConsoleSessionSettings {
  /** A session ends this long after its last use. */
  idleMs: number;
  /** And at the latest this long after sign-in, however busy. */
  lifetimeMs: number;
}

export const DEFAULT_CONSOLE_SESSIONS: ConsoleSessionSettings = { idleMs: 30 * 60_000, lifetimeMs: 12 * 3_600_000 };

/** A new session: the cookie value and the CSRF token go to the browser once; only hashes stay. */
export interface OpenedSession {
  token: string;
  csrfToken: string;
  principal: Principal;
  expiresAt: number;
}

/** A session in use: who it acts as, and whether the request carried its CSRF token. */
export interface ActiveSession {
  principal: Principal;
  csrfToken: string;
  expiresAt: number;
  csrfMatches: (presented: string | undefined) => boolean;
}

/**
 * The CSRF token follows from the session token, so a reloaded page gets it back from the
 * session it holds (`GET /console/api/session`, readable by the console's own origin only); the
 * cookie is HTTP-only, so no script can compute it, and another site can read neither.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`mcp-gateway console csrf\0${sessionToken}`, 'utf8').digest('base64url');
}
// last_seen_at is written at most this often per session, not on every request.
const TOUCH_EVERY_MS = 60_000;

/**
 * The operator console's sign-in: a gateway key of any dialect is exchanged for a session. The
 * key itself is never kept: the session names it by the hash the key table already holds, and
 * every use resolves the key again (from the verified-key cache), so a revoked key ends its
 * sessions at once and the session can do exactly what the key can.
 */
export class ConsoleSessions {
  constructor(
    private readonly deps: { repository: ConsoleSessionRepository; apiKeys: ApiKeyService; clock: Clock },
    private readonly settings: ConsoleSessionSettings = DEFAULT_CONSOLE_SESSIONS,
  ) {}

  async open(formats: readonly KeyFormat[], presented: { key: string; secret?: string }): Promise<OpenedSession> {
    const { principal, keyHash } = await this.deps.apiKeys.signIn(formats, presented);
    const now = this.deps.clock.now();
    const token = randomToken(32);
    const csrfToken = csrfTokenOf(token);
    const expiresAt = now + this.settings.lifetimeMs;
    await this.deps.repository.sweep(now, now - this.settings.idleMs);
    await this.deps.repository.insert({ tokenHash: sha256(token), keyHash, csrfHash: sha256(csrfToken), createdAt: now, lastSeenAt: now, expiresAt });
    return { token, csrfToken, principal, expiresAt };
  }

  /** The session behind a cookie value; AuthenticationRequired when there is none, it ended, or its key was revoked. */
  async resume(token: string | undefined): Promise<ActiveSession> {
    const ended = () => new AuthenticationRequired('Sign in to the console: the session has ended or was never opened');
    if (!token) throw ended();
    const tokenHash = sha256(token);
    const stored = await this.deps.repository.find(tokenHash);
    const now = this.deps.clock.now();
    if (!stored || stored.expiresAt <= now || stored.lastSeenAt + this.settings.idleMs <= now) throw ended();
    const principal = await this.deps.apiKeys.principalByKeyHash(stored.keyHash);
    if (!principal) {
      await this.deps.repository.delete(tokenHash);
      throw ended();
    }
    if (now - stored.lastSeenAt >= TOUCH_EVERY_MS) await this.deps.repository.touch(tokenHash, now);
    const expected = Buffer.from(stored.csrfHash, 'hex');
    return {
      principal,
      csrfToken: csrfTokenOf(token),
      expiresAt: Math.min(stored.expiresAt, now + this.settings.idleMs),
      csrfMatches: (presented) => presented !== undefined && timingSafeEqual(expected, Buffer.from(sha256(presented), 'hex')),
    };
  }

  /** Signs out: the session is gone for every instance. */
  async close(token: string | undefined): Promise<void> {
    if (token) await this.deps.repository.delete(sha256(token));
  }
}
