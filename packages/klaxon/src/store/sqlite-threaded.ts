import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';
import { badInput } from './rows.js';
import {
  cannotOpen,
  checkedOptions,
  messageOf,
  openReadConnection,
  type SqliteStoreOptions,
} from './sqlite-connection.js';
import { SqliteStoreBase } from './sqlite-store-base.js';
import {
  type FromWriter,
  fromWire,
  type ThreadInit,
  type ToWriter,
  type WireWrite,
} from './sqlite-thread-protocol.js';
import type { WriteArgs, WriteName, WriteResult } from './sqlite-writes.js';

interface PendingWrite {
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: StoreError) => void;
}

/**
 * SqliteStore with its writes on a worker thread, so that SQLite's statement work and each
 * commit's fsync no longer block the main event loop. Same file format, same contract:
 *
 * - Arguments are validated and converted to rows on the calling thread (bad input rejects
 *   exactly as in SqliteStore); only flat rows cross to the writer thread.
 * - The writer thread group-commits: every write it receives before its next turn is one
 *   transaction (one fsync); a failing write rolls back alone and rejects alone; writes apply in
 *   call order; a write's promise resolves only after its transaction committed.
 * - Reads run on the main thread on a read-only connection (WAL: never blocked by the writer, and
 *   they see every committed transaction, so a read sees every write whose promise has resolved).
 * - If the writer thread dies, every pending and later call rejects with a StoreError.
 *
 * Needs a file: `:memory:` cannot be shared by two connections.
 */
export class ThreadedSqliteStore extends SqliteStoreBase {
  private readonly worker: Worker;
  private readonly pending = new Map<number, PendingWrite>();
  private outbox: WireWrite[] = [];
  private nextId = 1;
  private flushScheduled = false;
  private exited = false;
  private closing: Promise<void> | undefined;

  private constructor(db: BetterSqlite3.Database, worker: Worker) {
    super(db);
    this.worker = worker;
    worker.on('message', (message: FromWriter) => {
      if (message.type === 'settled') this.settle(message);
    });
    worker.on('error', (error) => this.writerGone(`the store's writer thread failed: ${messageOf(error)}`));
    worker.on('exit', (code) => {
      this.exited = true;
      this.writerGone(`the store's writer thread stopped (exit code ${code})`);
    });
    // The thread keeps the process alive only while writes are waiting for it (see write()).
    worker.unref();
  }

  /**
   * Starts the writer thread, which opens (creating it and its parent folders if needed) and
   * migrates the file, then opens the main thread's read connection. Rejects with the
   * StoreError SqliteStore.open throws for a bad path, option or migration.
   */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<ThreadedSqliteStore> {
    const checked = checkedOptions(options);
    if (path === ':memory:' || path === '') {
      throw badInput('ThreadedSqliteStore needs a database file: an in-memory database has one connection');
    }
    const init: ThreadInit = { path, options: checked };
    const script = writerScript();
    let worker: Worker;
    try {
      worker = new Worker(script, { workerData: init, name: 'klaxon-sqlite-writer' });
    } catch (error) {
      throw cannotOpen(path, error);
    }
    try {
      await started(worker, path);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    let db: BetterSqlite3.Database | undefined;
    try {
      db = openReadConnection(path, checked);
      return new ThreadedSqliteStore(db, worker);
    } catch (error) {
      db?.close();
      await worker.terminate();
      throw cannotOpen(path, error);
    }
  }

  /** Commits the writes still queued, closes both connections and ends the writer thread; later calls fail. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  protected write<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.outbox.push({ id, name, args });
      // One message per event-loop turn: the writes of a turn travel (and commit) together.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0 || this.exited) return;
    const message: ToWriter = { type: 'writes', writes: this.outbox };
    this.outbox = [];
    this.worker.postMessage(message);
  }

  private settle(message: Extract<FromWriter, { type: 'settled' }>): void {
    for (const result of message.results) {
      const waiting = this.pending.get(result.id);
      if (!waiting) continue;
      this.pending.delete(result.id);
      if (result.ok) waiting.resolve(result.value);
      else waiting.reject(fromWire(result.error));
    }
    if (this.pending.size === 0) this.worker.unref();
  }

  // Nothing waiting may hang: every write not answered yet fails, and so does every later call.
  private writerGone(reason: string): void {
    this.stopped ??= reason;
    this.outbox = [];
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const write of waiting) write.reject(new StoreError(reason));
  }

  private async shutDown(): Promise<void> {
    this.stopped = 'the store is closed';
    if (!this.exited) {
      this.worker.ref();
      const gone = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.flush();
      this.worker.postMessage({ type: 'close' } satisfies ToWriter);
      await gone;
    }
    this.db.close();
  }
}

/**
 * The writer thread's entry point, next to this module. Node 20 cannot run TypeScript in a worker,
 * so when this module is the .ts source (under vitest) the compiled entry in packages/klaxon/dist
 * is used instead: tests of this adapter need `npm run build` first (the README's `npm test` does
 * it), and test the dist build of the writer side.
 */
function writerScript(): URL {
  const here = import.meta.url;
  const script = here.endsWith('.ts')
    ? new URL('../../dist/store/sqlite-thread-main.js', here)
    : new URL('./sqlite-thread-main.js', here);
  if (!existsSync(script)) {
    throw new StoreError(
      `the store's writer thread script ${fileURLToPath(script)} is missing: run npm run build`,
    );
  }
  return script;
}

/** Resolves when the writer thread has opened and migrated the file; rejects with why it could not. */
function started(worker: Worker, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: FromWriter) => {
      if (message.type === 'ready') {
        done();
        resolve();
      } else if (message.type === 'failed') {
        done();
        reject(fromWire(message.error));
      }
    };
    const onError = (error: Error) => {
      done();
      reject(cannotOpen(path, error));
    };
    const onExit = (code: number) => {
      done();
      reject(
        new StoreError(`cannot open the database ${path}: the writer thread stopped (exit code ${code})`),
      );
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
