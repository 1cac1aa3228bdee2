import type { Knex } from 'knex';
import type { Store } from '../ports';
import { KnexApiKeyStore } from './api-keys.knex-store';
import { KnexApprovalStore } from './approvals.knex-store';
import { KnexAuditStore } from './audit.knex-store';
import { KnexOAuthStore } from './oauth.knex-store';
import { KnexSecretStore } from './secrets.knex-store';
import { KnexServerStore } from './servers.knex-store';
import { PostgresPointReads, type PointReads } from './point-reads';
import type { SqliteReader } from './sqlite-reader';

/** The Store port over knex; inside `transaction` every repository shares one transaction. */
export class KnexStore implements Store {
  readonly servers: KnexServerStore;
  readonly secrets: KnexSecretStore;
  readonly apiKeys: KnexApiKeyStore;
  readonly approvals: KnexApprovalStore;
  readonly audit: KnexAuditStore;
  readonly oauth: KnexOAuthStore;

  /** `reader`: SQLite's read connection, used for reads outside transactions. */
  constructor(
    private readonly db: Knex | Knex.Transaction,
    private readonly engine: 'sqlite' | 'postgres',
    reader: SqliteReader | null = null,
  ) {
    // Outside transactions only: inside one, every read must see the transaction's own writes.
    const pointReads: PointReads | null = reader ?? (engine === 'postgres' && !isTransaction(db) ? new PostgresPointReads(db) : null);
    this.servers = new KnexServerStore(db, engine, reader, pointReads);
    this.secrets = new KnexSecretStore(db, engine);
    this.apiKeys = new KnexApiKeyStore(db, pointReads);
    this.approvals = new KnexApprovalStore(db);
    this.audit = new KnexAuditStore(db, engine);
    this.oauth = new KnexOAuthStore(db);
  }

  transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (isTransaction(this.db)) return work(this);
    return this.db.transaction((trx) => work(new KnexStore(trx, this.engine)));
  }
}

function isTransaction(db: Knex | Knex.Transaction): db is Knex.Transaction {
  return (db as Knex.Transaction).isTransaction === true;
}
