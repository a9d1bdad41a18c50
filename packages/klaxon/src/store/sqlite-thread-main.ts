import { type MessagePort, parentPort, Worker, workerData } from 'node:worker_threads';
import type { CheckpointInit } from './sqlite-checkpoint-main.js';
import { cannotOpen, openWriteConnection } from './sqlite-connection.js';
import {
  type FromWriter,
  type ThreadInit,
  type ToWriter,
  toWire,
  type WireResult,
} from './sqlite-thread-protocol.js';
import { GroupCommit, runWrite, type WriteArgs, writeOps } from './sqlite-writes.js';

/*
 * The writer thread of ThreadedSqliteStore: it owns the connection that writes, so statement
 * work and each group commit's fsync block this thread instead of the main event loop. Writes
 * are group-committed exactly as in SqliteStore: every write that arrived before this thread's
 * next turn runs in one transaction, and the results go back in one message after the commit.
 */

/** WAL pages (4 KiB) at which the writer checkpoints by itself; SQLite's default is 1,000. */
const FALLBACK_CHECKPOINT_PAGES = 20_000;
/** Bytes a reset WAL file is truncated to. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

function serve(port: MessagePort, init: ThreadInit): void {
  const send = (message: FromWriter) => port.postMessage(message);
  let db: ReturnType<typeof openWriteConnection>;
  try {
    db = openWriteConnection(init.path, init.options);
  } catch (error) {
    send({ type: 'failed', error: toWire(cannotOpen(init.path, error)) });
    port.close();
    return;
  }
  // Checkpoints run on their own thread (sqlite-checkpoint-main.ts); the writer checkpoints
  // itself only if the WAL reaches FALLBACK_CHECKPOINT_PAGES (that thread stuck or gone), and a
  // WAL file that grew in a burst is cut back to WAL_SIZE_LIMIT when it is next reset.
  db.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  const checkpointer = new Worker(new URL('./sqlite-checkpoint-main.js', import.meta.url), {
    workerData: { path: init.path, options: init.options } satisfies CheckpointInit,
    name: 'klaxon-sqlite-checkpointer',
  });
  // Its failure only costs latency (the fallback takes over), never a write: note it and go on.
  checkpointer.on('error', () => undefined);
  const ops = writeOps(db);
  let results: WireResult[] = [];
  const commits = new GroupCommit(db, () => {
    send({ type: 'settled', results });
    results = [];
  });
  port.on('message', (message: ToWriter) => {
    if (message.type === 'writes') {
      for (const { id, name, args } of message.writes) {
        commits.push({
          op: () => runWrite(ops, name, args as WriteArgs<typeof name>),
          resolve: (value) => results.push({ id, ok: true, value }),
          reject: (error) => results.push({ id, ok: false, error: toWire(error) }),
        });
      }
    } else if (message.type === 'close') {
      // Messages arrive in order: every write sent before `close` is queued by now.
      commits.drain();
      checkpointer.postMessage('close');
      db.close();
      send({ type: 'closed' });
      port.close();
    }
  });
  send({ type: 'ready' });
}

if (!parentPort) throw new Error('sqlite-thread-main runs as the worker thread of ThreadedSqliteStore');
serve(parentPort, workerData as ThreadInit);
