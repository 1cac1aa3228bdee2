import type { Store } from '../ports';
import { nameKey } from '../rules/name-key';

/** What an import and a restore report: the plan's entries, their outcomes, and a summary. */
export const CONFLICT_STRATEGIES = ['skip', 'update', 'rename'] as const;
export type ConflictStrategy = (typeof CONFLICT_STRATEGIES)[number];
/** `refuse`: the entry breaks a rule the API applies; its reason says which, and nothing of it is written. */
export type ImportAction = 'create' | 'update' | 'skip' | 'rename' | 'refuse';

export interface PlanEntry {
  source: string;
  name: string;
  action: ImportAction;
  reason: string;
  warnings: string[];
  /** The server an update or skip refers to. */
  existingId: string | null;
  /** The name it will land under (differs from `name` for a rename). */
  targetName: string;
}

export interface ImportResult extends PlanEntry {
  outcome: 'planned' | 'imported' | 'unchanged' | 'failed';
  id: string | null;
  error: string | null;
}

export interface ImportReport {
  format: string;
  dryRun: boolean;
  secrets: Array<{ id: string; outcome: 'created' | 'exists' | 'missing value' | 'planned' | 'failed'; error: string | null }>;
  results: ImportResult[];
  summary: { create: number; update: number; skip: number; rename: number; refuse: number; imported: number; failed: number };
}

/**
 * A secret this run created for servers of the file, none of which landed, is removed again:
 * a failed import leaves nothing behind. Checked and removed in one transaction, so a server
 * that started using it meanwhile keeps it.
 */
export async function dropSecretsOfFailedServers(
  store: Store,
  organizationId: string,
  secrets: ImportReport['secrets'],
  users: Array<{ secretId: string | undefined; landed: boolean }>,
): Promise<void> {
  for (const secret of secrets) {
    if (secret.outcome !== 'created') continue;
    const mine = users.filter((u) => u.secretId === secret.id);
    if (mine.length === 0 || mine.some((u) => u.landed)) continue;
    const dropped = await store.transaction(async (tx) => {
      if ((await tx.servers.findUsingSecrets(organizationId, [secret.id])).length > 0) return false;
      await tx.secrets.delete(organizationId, secret.id);
      return true;
    });
    if (dropped) Object.assign(secret, { outcome: 'failed', error: 'not kept: no server that uses it was imported' });
  }
}

/** The first of `Name (2)`, `Name (3)`, … that is not taken: what a rename imports under. */
export function freeName(name: string, isTaken: (nameKey: string) => boolean): string {
  let n = 2;
  while (isTaken(nameKey(`${name} (${n})`))) n += 1;
  return `${name} (${n})`;
}

export async function inParallel<T, R>(
  items: T[],
  concurrency: number,
  onProgress: ((done: number, total: number) => void) | undefined,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
      onProgress?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export function summarize(results: ImportResult[]): ImportReport['summary'] {
  const count = (f: (r: ImportResult) => boolean) => results.filter(f).length;
  return {
    create: count((r) => r.action === 'create'),
    update: count((r) => r.action === 'update'),
    skip: count((r) => r.action === 'skip'),
    rename: count((r) => r.action === 'rename'),
    refuse: count((r) => r.action === 'refuse'),
    imported: count((r) => r.outcome === 'imported'),
    failed: count((r) => r.outcome === 'failed'),
  };
}
