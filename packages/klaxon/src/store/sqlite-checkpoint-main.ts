import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { CheckedOptions } from './sqlite-connection.js';

/*
 * The checkpointer thread of ThreadedSqliteStore's writer. SQLite's automatic checkpoint runs
 * inside the commit that crosses the threshold: that commit, and every commit queued behind it,
 * waits while pages are copied from the WAL into the database file and the file is fsynced —
 * hundreds of milliseconds under load, felt by the clients as acknowledgement stalls. Here a
 * PASSIVE checkpoint runs on its own connection and thread every CHECKPOINT_EVERY_MS instead;
 * in WAL mode it runs beside the writer without blocking it (it never waits for readers or
 * writers), and when nothing is new it costs a read of the WAL index.
 */

/** What the checkpointer is started with. */
export interface CheckpointInit {
  readonly path: string;
  readonly options: CheckedOptions;
}

/** How often the checkpointer copies committed WAL frames into the database file. */
export const CHECKPOINT_EVERY_MS = 200;

function run(init: CheckpointInit): void {
  const db = new BetterSqlite3(init.path, { fileMustExist: true, timeout: init.options.busyTimeoutMs });
  db.pragma(`synchronous = ${init.options.synchronous.toUpperCase()}`);
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // A busy or failed checkpoint is retried at the next tick; the writer's fallback threshold
      // (see sqlite-thread-main.ts) keeps the WAL bounded if this thread cannot keep up.
    }
  }, CHECKPOINT_EVERY_MS);
  parentPort?.on('message', (message: unknown) => {
    if (message === 'close') {
      clearInterval(timer);
      db.close();
      parentPort?.close();
    }
  });
}

run(workerData as CheckpointInit);
