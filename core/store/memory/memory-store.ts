import { AsyncLocalStorage } from 'node:async_hooks';
import type { Store } from '../../ports';
import { MemoryApiKeyStore } from './api-keys.memory-store';
import { MemoryApprovalStore } from './approvals.memory-store';
import { MemoryAuditStore } from './audit.memory-store';
import { Tables, type TableAccess } from './memory-tables';
import { MemoryOAuthStore } from './oauth.memory-store';
import { MemorySecretStore } from './secrets.memory-store';
import { MemoryServerStore } from './servers.memory-store';

/**
 * The Store port in memory, for use-case tests of the services (test/core/). It passes the same
 * contract suite as the knex store (test/store/store-contract.ts); the app never uses it.
 *
 * Transactions are all-or-nothing and run one at a time: each works on a snapshot of the
 * tables, which replaces them only when the work succeeds. Writes outside a transaction wait
 * for the running one, as on SQLite's single writer; reads outside see only committed rows.
 */
export class MemoryStore implements Store {
  readonly servers: MemoryServerStore;
  readonly secrets: MemorySecretStore;
  readonly apiKeys: MemoryApiKeyStore;
  readonly approvals: MemoryApprovalStore;
  readonly audit: MemoryAuditStore;
  readonly oauth: MemoryOAuthStore;
  private committed = new Tables();
  /** The tail of the queue of writers: each waits for the one before it. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Which transaction, if any, the running code is inside of. */
  private readonly inTransaction = new AsyncLocalStorage<true>();

  constructor() {
    const access: TableAccess = {
      read: () => this.committed,
      write: (change) => {
        // It would wait for the very transaction that waits for it.
        if (this.inTransaction.getStore()) return Promise.reject(new Error('A write inside a transaction must go through its store, not the outer one'));
        return this.exclusive(async () => change(this.committed));
      },
    };
    this.servers = new MemoryServerStore(access);
    this.secrets = new MemorySecretStore(access);
    this.apiKeys = new MemoryApiKeyStore(access);
    this.approvals = new MemoryApprovalStore(access);
    this.audit = new MemoryAuditStore(access);
    this.oauth = new MemoryOAuthStore(access);
  }

  transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const draft = new TransactionStore(this.committed.snapshot());
      try {
        const result = await this.inTransaction.run(true, () => work(draft));
        this.committed = draft.tables;
        return result;
      } finally {
        draft.end();
      }
    });
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** One transaction's view: its own snapshot of the tables, usable until the transaction ends. */
class TransactionStore implements Store {
  readonly servers: MemoryServerStore;
  readonly secrets: MemorySecretStore;
  readonly apiKeys: MemoryApiKeyStore;
  readonly approvals: MemoryApprovalStore;
  readonly audit: MemoryAuditStore;
  readonly oauth: MemoryOAuthStore;
  private open = true;

  constructor(readonly tables: Tables) {
    const access: TableAccess = {
      read: () => this.usable(),
      write: async (change) => change(this.usable()),
    };
    this.servers = new MemoryServerStore(access);
    this.secrets = new MemorySecretStore(access);
    this.apiKeys = new MemoryApiKeyStore(access);
    this.approvals = new MemoryApprovalStore(access);
    this.audit = new MemoryAuditStore(access);
    this.oauth = new MemoryOAuthStore(access);
  }

  /** Nested, it joins this transaction, as the knex store's does. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return work(this);
  }

  end(): void {
    this.open = false;
  }

  private usable(): Tables {
    if (!this.open) throw new Error('This transaction has ended; its store can no longer be used');
    return this.tables;
  }
}
