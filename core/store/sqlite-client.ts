/* eslint-disable @typescript-eslint/no-require-imports */
import type { Knex } from 'knex';

/**
 * How long a statement outside a transaction waits for another process's write lock (SQLite's
 * own busy handler; it sleeps synchronously, but such statements are single writes).
 */
export const BUSY_TIMEOUT_MS = 5000;

/** How long a transaction waits for the write lock before its request fails. */
export const LOCK_WAIT_MS = 15000;

interface RawConnection {
  exec(sql: string): unknown;
  pragma(sql: string): unknown;
}

type TransactionClass = new (...args: unknown[]) => { begin(conn: RawConnection): Promise<unknown> };
type ClientClass = new (config: Knex.Config) => { transaction(...args: unknown[]): unknown };

// knex's own SQLite classes: only how a transaction begins changes.
const SqliteTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction') as TransactionClass;
const BetterSqlite3Client = require('knex/lib/dialects/better-sqlite3') as ClientClass;

/**
 * knex begins SQLite transactions with a plain (deferred) BEGIN, which takes the write lock
 * only at the first write. When another process (a second `serve`, a worker of WORKERS=N, a
 * CLI import) has committed since the transaction's first read, that upgrade fails at once with
 * SQLITE_BUSY_SNAPSHOT, and no wait can save it. BEGIN IMMEDIATE takes the write lock before
 * the first statement, so a transaction either starts with the latest data or waits.
 */
class ImmediateTransaction extends SqliteTransaction {
  override begin(conn: RawConnection): Promise<unknown> {
    return beginImmediate(conn, LOCK_WAIT_MS);
  }
}

/** knex's better-sqlite3 client whose transactions begin with BEGIN IMMEDIATE. */
export class ImmediateBetterSqlite3Client extends BetterSqlite3Client {
  override transaction(...args: unknown[]): unknown {
    return new ImmediateTransaction(this, ...args);
  }
}

/**
 * Takes the write lock, retrying while another connection holds it. The wait is asynchronous
 * (SQLite's busy handler is switched off for this one statement): better-sqlite3 blocks the
 * event loop while SQLite sleeps, and another process's long transaction (an import) must not
 * stall every request of this one, reads included.
 */
export async function beginImmediate(conn: RawConnection, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    conn.pragma('busy_timeout = 0');
    try {
      conn.exec('BEGIN IMMEDIATE');
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    } finally {
      conn.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    // Jitter, so two processes that collided do not retry in step.
    await new Promise((resolve) => setTimeout(resolve, pause / 2 + Math.random() * pause));
  }
}

function isBusy(error: unknown): boolean {
  return /^SQLITE_BUSY/.test(`${(error as { code?: string })?.code}`);
}
