import type BetterSqlite3 from 'better-sqlite3';
import {
  cannotOpen,
  checkedOptions,
  openWriteConnection,
  type SqliteStoreOptions,
} from './sqlite-connection.js';
import { SqliteStoreBase } from './sqlite-store-base.js';
import {
  GroupCommit,
  runWrite,
  type WriteArgs,
  type WriteName,
  type WriteOps,
  type WriteResult,
  writeOps,
} from './sqlite-writes.js';

export type { SqliteStoreOptions } from './sqlite-connection.js';

/**
 * The store `klaxon serve` uses: one SQLite file (better-sqlite3, WAL), one connection, on the
 * calling thread (ThreadedSqliteStore moves the writes to a worker thread).
 *
 * Writes are group-committed: every write issued during one event-loop turn runs in ONE
 * transaction (so one fsync however many events arrived together). A write that fails rolls
 * back alone and rejects alone (the group is then run again with a savepoint per write). A
 * write's promise resolves only after that transaction is committed. Writes apply in call order.
 * Reads run at once against committed data: a read sees every write whose promise has resolved.
 */
export class SqliteStore extends SqliteStoreBase {
  private readonly ops: WriteOps;
  private readonly commits: GroupCommit;

  private constructor(db: BetterSqlite3.Database) {
    super(db);
    this.ops = writeOps(db);
    this.commits = new GroupCommit(db);
  }

  /** Opens (creating it and its parent folders if needed) and migrates a database file; `:memory:` works. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const db = openWriteConnection(path, checkedOptions(options));
    try {
      return new SqliteStore(db);
    } catch (error) {
      db.close();
      throw cannotOpen(path, error);
    }
  }

  /** Commits the writes still queued, then closes the file; later calls fail. */
  async close(): Promise<void> {
    if (this.stopped !== undefined) return;
    this.commits.drain();
    this.stopped = 'the store is closed';
    this.db.close();
  }

  protected write<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.commits.push({
        op: () => runWrite(this.ops, name, args),
        resolve: resolve as (value: unknown) => void,
        reject,
      });
    });
  }
}
