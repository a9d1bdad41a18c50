import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import type { FindingState, Store } from './ports.js';
import { SqliteStore } from './sqlite.js';
import { MIGRATIONS } from './sqlite-migrations.js';
import type { FromWriter } from './sqlite-thread-protocol.js';
import { ThreadedSqliteStore } from './sqlite-threaded.js';
import { archivedEvent, at, auditRecord, delivery, findingState, silence } from './testdata/builders.js';
import { buildChildStore } from './testdata/child-store.js';

// The shared contract (store.case.test.ts), the memory ≡ SQLite property and the cross-process
// tests of sqlite.test.ts (SIGKILL, concurrent commits and claims) already run against
// ThreadedSqliteStore; these are the cases that only a store with a writer thread has.

const root = mkdtempSync(join(tmpdir(), 'klaxon-threaded-'));
let counter = 0;
const dbPath = () => join(root, `db-${++counter}`, 'klaxon.db');
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The writer thread is private; these tests reach it to watch its messages or to kill it.
const writerOf = (store: ThreadedSqliteStore) => (store as unknown as { worker: Worker }).worker;

/** How a call failed: the parts of a StoreError that reach the caller. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    return { name: error.name, message: error.message, badInput: error.badInput };
  }
  throw new Error('the call did not fail');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds the file's write lock from another connection, issues a commit whose state `k2` it will
 * look for, and measures how late a 20 ms timer fires on the main thread meanwhile.
 */
async function commitUnderLock(store: Store, path: string, holdMs: number) {
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  const committing = store.commit({ events: [archivedEvent('e2')], states: [findingState('rule-a', 'k2')] });
  let settled = false;
  committing.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  const started = performance.now();
  await sleep(20);
  const timerLateMs = performance.now() - started - 20;
  const during = {
    settled,
    k1: await store.findingState('rule-a', 'k1').catch((error: unknown) => error),
    k2: await store.findingState('rule-a', 'k2').catch((error: unknown) => error),
  };
  await sleep(Math.max(0, holdMs - 20));
  other.exec('COMMIT');
  other.close();
  return { timerLateMs, during, committing };
}

describe('ThreadedSqliteStore keeps the main thread free', () => {
  it('answers timers and reads while a commit waits for the write lock', async () => {
    const path = dbPath();
    const store = await ThreadedSqliteStore.open(path, { busyTimeoutMs: 10_000 });
    await store.commit({ states: [findingState('rule-a', 'k1')] });
    const { timerLateMs, during, committing } = await commitUnderLock(store, path, 300);
    // The commit is still waiting for the lock (in the writer thread) while the main thread runs
    // its timer and answers reads from committed data.
    expect(during).toEqual({ settled: false, k1: findingState('rule-a', 'k1'), k2: undefined });
    expect(timerLateMs).toBeLessThan(250);
    await committing;
    expect(await store.findingState('rule-a', 'k2')).toEqual(findingState('rule-a', 'k2'));
    expect((await store.listEvents({})).map((e) => e.id)).toEqual(['e2']);
    await store.close();
  });

  // The same scenario against SqliteStore, to show what the test above would catch: there the
  // waiting commit holds the event loop until the lock is released or the busy timeout expires.
  it('unlike SqliteStore, whose waiting commit blocks the event loop', async () => {
    const path = dbPath();
    const store = SqliteStore.open(path, { busyTimeoutMs: 400 });
    await store.commit({ states: [findingState('rule-a', 'k1')] });
    const { timerLateMs, committing } = await commitUnderLock(store, path, 0);
    expect(timerLateMs).toBeGreaterThanOrEqual(350);
    await expect(committing).rejects.toThrow(/write failed: database is locked/);
    await store.close();
  });
});

describe('ThreadedSqliteStore checkpoints', () => {
  it('copies committed pages into the database file on its own thread, well before SQLite would by itself', async () => {
    const path = dbPath();
    const store = await ThreadedSqliteStore.open(path);
    try {
      // A checkpoint is the only thing that writes pages into the main file in WAL mode.
      const before = statSync(path).size;
      const big = 'x'.repeat(4000);
      // About 400 pages: under SQLite's own automatic threshold (1,000) and far under the
      // writer's fallback (20,000), so only the checkpointer thread can move them.
      for (let i = 0; i < 4; i++) {
        await store.commit({
          events: Array.from({ length: 100 }, (_, j) => ({ ...archivedEvent(`e${i}-${j}`), body: big })),
        });
      }
      let after = before;
      for (let waited = 0; waited < 3000 && after - before < 1_000_000; waited += 50) {
        await sleep(50);
        after = statSync(path).size;
      }
      expect(after - before).toBeGreaterThanOrEqual(1_000_000);
    } finally {
      await store.close();
    }
  });
});

describe('ThreadedSqliteStore group commit', () => {
  // Rolling back a failing write alone is tested for both SQLite adapters in sqlite.test.ts.
  it('sends the writes of one turn together and answers them in one message, after one transaction', async () => {
    const store = await ThreadedSqliteStore.open(dbPath());
    await store.commit({ deliveries: [delivery('d1')], audit: [auditRecord('taken')] });
    const messages: FromWriter[] = [];
    writerOf(store).on('message', (message: FromWriter) => messages.push(message));
    const results = await Promise.allSettled([
      store.commit({ events: [archivedEvent('e1')] }),
      store.claimDeliveries(at(1), 5, 60_000),
      store.commit({ audit: [auditRecord('taken')] }),
      store.putSilence(silence('s1')),
      store.deleteSilence('s1'),
      store.retryDelivery('d1', at(2)),
    ]);
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as StoreError).message)),
    ).toEqual([
      undefined,
      [delivery('d1')],
      'store: UNIQUE constraint failed: audit.id',
      undefined,
      true,
      true,
    ]);
    expect(messages.map((m) => (m.type === 'settled' ? m.results.map((r) => r.ok) : m.type))).toEqual([
      [true, true, false, true, true, true],
    ]);
    await store.close();
  });

  it('applies writes in call order across turns', async () => {
    const store = await ThreadedSqliteStore.open(dbPath());
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(store.commit({ states: [findingState('rule-a', 'k', { count: i })] }));
      if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    expect((await store.findingState('rule-a', 'k'))?.count).toBe(19);
    await store.close();
  });
});

describe('ThreadedSqliteStore errors', () => {
  it('rejects bad input and failed writes with the same StoreError as SqliteStore', async () => {
    const plain = SqliteStore.open(dbPath());
    const threaded = await ThreadedSqliteStore.open(dbPath());
    const calls: [string, (store: Store) => Promise<unknown>][] = [
      ['bad time', (s) => s.commit({ events: [archivedEvent('x', { receivedAt: 'yesterday' })] })],
      ['bad state', (s) => s.commit({ states: [{ rule: '' } as FindingState] })],
      ['repeated id', (s) => s.commit({ events: [archivedEvent('e1'), archivedEvent('e1')] })],
      ['bad limit', (s) => s.claimDeliveries(at(1), 0, 1000)],
      ['bad lease', (s) => s.claimDeliveries(at(1), 1, -5)],
      ['unknown delivery', (s) => s.recordOutcome('nope', { kind: 'sent', at: at(1) })],
      ['unknown group', (s) => s.flushGroup('nope', at(1), undefined, [])],
      ['bad flushed', (s) => s.flushGroup('nope', at(1), undefined, [], -1)],
      ['bad retry time', (s) => s.retryDelivery('d1', 'now')],
      ['unknown cursor', (s) => s.listDeliveries({ after: 'nope' })],
      ['bad retention', (s) => s.prune(at(1), { events: -1 })],
    ];
    for (const [name, call] of calls) {
      const expected = await failure(call(plain));
      expect({ name, error: await failure(call(threaded)) }).toEqual({ name, error: expected });
    }
    await plain.close();
    await threaded.close();
  });

  it('refuses to open with the texts SqliteStore.open throws', async () => {
    const opened = async (path: string, options = {}) => {
      let plain: unknown;
      try {
        SqliteStore.open(path, options);
        plain = 'opened';
      } catch (error) {
        plain = { message: (error as StoreError).message, badInput: (error as StoreError).badInput };
      }
      const threaded = await ThreadedSqliteStore.open(path, options).then(
        async (store) => {
          await store.close();
          return 'opened';
        },
        (error: StoreError) => ({ message: error.message, badInput: error.badInput }),
      );
      return { plain, threaded };
    };
    const notDb = join(root, 'not-a-db.txt');
    writeFileSync(notDb, 'hello, this is not SQLite'.repeat(100));
    const newer = dbPath();
    await SqliteStore.open(newer).close();
    const db = new Database(newer);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const cases = [
      await opened(dbPath(), { synchronous: 'off' }),
      await opened(dbPath(), { busyTimeoutMs: -1 }),
      await opened(notDb),
      await opened(join(notDb, 'under-a-file.db')),
      await opened(newer),
    ];
    for (const { plain, threaded } of cases) {
      expect(plain).not.toBe('opened');
      expect(threaded).toEqual(plain);
    }
    expect(cases.map((c) => (c.plain as { message: string }).message)).toEqual([
      expect.stringMatching(/^synchronous: /),
      expect.stringMatching(/^busyTimeoutMs: /),
      expect.stringMatching(/not-a-db\.txt: file is not a database$/),
      expect.stringMatching(/under-a-file\.db: EEXIST/),
      expect.stringMatching(/newer than this Klaxon knows/),
    ]);
    await expect(ThreadedSqliteStore.open(':memory:')).rejects.toMatchObject({
      name: 'StoreError',
      badInput: true,
      message: expect.stringMatching(/needs a database file/),
    });
  });

  it('commits what is queued on close, then fails every call like SqliteStore', async () => {
    const path = dbPath();
    const store = await ThreadedSqliteStore.open(path);
    const queued = store.commit({ events: [archivedEvent('e1')] });
    await store.close();
    await queued;
    const closed = { name: 'StoreError', message: 'the store is closed', badInput: false };
    expect(await failure(store.commit({ events: [archivedEvent('e2')] }))).toEqual(closed);
    expect(await failure(store.findingState('rule-a', 'k'))).toEqual(closed);
    await store.close(); // again: nothing to do
    const reopened = await ThreadedSqliteStore.open(path);
    expect((await reopened.listEvents({})).map((e) => e.id)).toEqual(['e1']);
    await reopened.close();
  });

  it('rejects pending and later calls when the writer thread is terminated', async () => {
    const store = await ThreadedSqliteStore.open(dbPath());
    await store.commit({ states: [findingState('rule-a', 'k1')] });
    const pending = store.commit({ events: [archivedEvent('e1')] });
    await writerOf(store).terminate();
    const gone = {
      name: 'StoreError',
      message: "the store's writer thread stopped (exit code 1)",
      badInput: false,
    };
    expect(await failure(pending)).toEqual(gone);
    expect(await failure(store.commit({}))).toEqual(gone);
    expect(await failure(store.findingState('rule-a', 'k1'))).toEqual(gone);
    await store.close();
    expect(await failure(store.commit({}))).toMatchObject({ message: 'the store is closed' });
  });

  it('rejects pending calls when the writer thread crashes', async () => {
    const store = await ThreadedSqliteStore.open(dbPath());
    const pending = store.commit({ events: [archivedEvent('e1')] });
    // A message the writer does not understand makes its handler throw: an uncaught error there.
    writerOf(store).postMessage({ type: 'writes' });
    expect(await failure(pending)).toMatchObject({
      name: 'StoreError',
      message: expect.stringMatching(/^the store's writer thread failed: /),
    });
    expect(await failure(store.claimDeliveries(at(1), 1, 1000))).toMatchObject({
      message: expect.stringMatching(/^the store's writer thread failed: /),
    });
    await store.close();
  });
});

describe('ThreadedSqliteStore in a process of its own', () => {
  let child: string;
  beforeAll(() => {
    child = buildChildStore(mkdtempSync(join(root, 'child-')));
  });

  it('keeps the process alive while a write waits, and not once idle', () => {
    const module = join(dirname(child), 'store', 'sqlite-threaded.js');
    const script = `
      import { ThreadedSqliteStore } from ${JSON.stringify(module)};
      const store = await ThreadedSqliteStore.open(${JSON.stringify(dbPath())});
      // Not awaited: only the pending write itself may keep the process running until it is stored.
      store.commit({ events: [{ id: 'e1', receivedAt: '2026-01-01T00:00:00Z', via: 'http', status: 'accepted', body: '{}' }] })
        .then(async () => console.log(JSON.stringify((await store.stats()).events)));
      // Never closed: an idle store must not hold the process open.
    `;
    const file = join(dirname(child), 'idle.mjs');
    writeFileSync(file, script);
    const result = spawnSync(process.execPath, [file], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    expect(result.stdout.trim()).toBe('{"accepted":1,"rejected":0}');
  });
});
