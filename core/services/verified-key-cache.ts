import type { StoredApiKey } from '../model/api-key';

interface Entry {
  record: StoredApiKey;
  /** The key change counter the record was read under. */
  version: number;
  expiresAt: number;
}

/**
 * Keys found by hash, kept for a short time so a request need not look its key up again. An
 * entry counts only under the key change counter it was read under: a revocation anywhere moves
 * the counter, and every entry read before it is dead at once. Only found keys are kept (a
 * stream of made-up keys cannot fill it), at most `maxEntries`, the oldest dropped first.
 */
export class VerifiedKeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly settings: { ttlMs: number; maxEntries: number }) {}

  get(keyHash: string, version: number, now: number): StoredApiKey | null {
    const entry = this.entries.get(keyHash);
    if (entry === undefined) return null;
    if (entry.version !== version || entry.expiresAt <= now) {
      this.entries.delete(keyHash);
      return null;
    }
    return entry.record;
  }

  set(keyHash: string, record: StoredApiKey, version: number, now: number): void {
    this.entries.delete(keyHash);
    if (this.entries.size >= this.settings.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(keyHash, { record, version, expiresAt: now + this.settings.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}

export const DEFAULT_KEY_CACHE = { ttlMs: 60_000, maxEntries: 10_000 };
