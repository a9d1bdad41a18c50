import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';
import { badInput } from './rows.js';
import { migrate } from './sqlite-migrations.js';

/** Options of `SqliteStore.open` and `ThreadedSqliteStore.open`. */
export interface SqliteStoreOptions {
  /** How long a write waits for another connection's write lock before failing. Default: 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * `full` (default): every commit is fsynced before it resolves — nothing acknowledged is lost
   * even on power loss. `normal`: in WAL mode a process crash (kill -9) still loses nothing, but
   * a power loss or OS crash can lose the last commits; faster on slow disks.
   */
  readonly synchronous?: 'full' | 'normal';
}

/** The options with their defaults filled in, validated. */
export interface CheckedOptions {
  readonly busyTimeoutMs: number;
  readonly synchronous: 'full' | 'normal';
}

/** Validates the options (a bad-input StoreError naming the option otherwise). */
export function checkedOptions(options: SqliteStoreOptions): CheckedOptions {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw badInput(`busyTimeoutMs: expected a non-negative integer, got ${String(busyTimeoutMs)}`);
  }
  const synchronous = options.synchronous ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw badInput(`synchronous: expected full or normal, got ${String(synchronous)}`);
  }
  return { busyTimeoutMs, synchronous };
}

/**
 * Opens the connection that writes: creates the file and its parent folders, WAL, the
 * synchronous level, and migrates. Any failure is a StoreError naming the path.
 */
export function openWriteConnection(path: string, options: CheckedOptions): BetterSqlite3.Database {
  return opening(path, () => {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new BetterSqlite3(path, { timeout: options.busyTimeoutMs });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous.toUpperCase()}`);
      // Savepoint sub-journals and sorts stay in memory instead of temporary files.
      db.pragma('temp_store = MEMORY');
      migrate(db);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

/**
 * Opens a read-only connection to a file another connection has already opened and migrated
 * (WAL: it never waits for a writer and sees every committed transaction).
 */
export function openReadConnection(path: string, options: CheckedOptions): BetterSqlite3.Database {
  return opening(path, () => {
    const db = new BetterSqlite3(path, {
      readonly: true,
      fileMustExist: true,
      timeout: options.busyTimeoutMs,
    });
    db.pragma('temp_store = MEMORY');
    return db;
  });
}

function opening(path: string, open: () => BetterSqlite3.Database): BetterSqlite3.Database {
  try {
    return open();
  } catch (error) {
    throw cannotOpen(path, error);
  }
}

/** The StoreError for a failure while opening `path` (a StoreError passes unchanged). */
export function cannotOpen(path: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError(`cannot open the database ${path}: ${messageOf(error)}`, { cause: error });
}

/** A StoreError for anything a statement threw (a StoreError passes unchanged). */
export function storeError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError(`store: ${messageOf(error)}`, { cause: error });
}

/** The message of whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
