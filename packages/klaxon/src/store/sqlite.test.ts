import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import type { Delivery } from './ports.js';
import { deliveryToRow, eventToRow } from './rows.js';
import { SqliteStore } from './sqlite.js';
import { MIGRATIONS, type Migration, migrate } from './sqlite-migrations.js';
import { ThreadedSqliteStore } from './sqlite-threaded.js';
import {
  archivedEvent,
  at,
  auditRecord,
  delivery,
  finding,
  findingState,
  silence,
} from './testdata/builders.js';
import { buildChildStore, commitUntilKilled, runChild } from './testdata/child-store.js';

const root = mkdtempSync(join(tmpdir(), 'klaxon-sqlite-'));
let counter = 0;
const dbPath = () => join(root, `db-${++counter}`, 'klaxon.db');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SqliteStore on disk', () => {
  it('creates parent folders and keeps everything across close and reopen', async () => {
    const path = join(root, 'a', 'b', 'c', 'klaxon.db');
    const store = SqliteStore.open(path);
    await store.commit({
      events: [archivedEvent('e1')],
      states: [findingState('rule-a', 'k1')],
      deliveries: [delivery('d1', { findingKey: 'fk' }), delivery('d2')],
      groupAdds: [{ key: 'g1', rule: 'rule-a', labels: { a: '1' }, finding: finding('f1'), flushAt: at(5) }],
      audit: [auditRecord('a1')],
    });
    await store.recordOutcome('d1', { kind: 'sent', at: at(1), ref: 'ts-1' });
    await store.putSilence(silence('s1'));
    await store.close();

    const reopened = SqliteStore.open(path);
    expect(await reopened.listEvents({})).toEqual([archivedEvent('e1')]);
    expect(await reopened.findingState('rule-a', 'k1')).toEqual(findingState('rule-a', 'k1'));
    expect((await reopened.getDelivery('d1'))?.state).toBe('sent');
    expect(await reopened.threadRef('fk', 'hook')).toBe('ts-1');
    expect((await reopened.dueGroups(at(5))).map((g) => g.pending)).toEqual([[finding('f1')]]);
    expect(await reopened.listAudit({})).toEqual([auditRecord('a1')]);
    expect(await reopened.listSilences()).toEqual([silence('s1')]);
    expect((await reopened.claimDeliveries(at(1), 10, 1000)).map((d) => d.id)).toEqual(['d2']);
    await reopened.close();
  });

  it('uses WAL and the requested synchronous level', async () => {
    const path = dbPath();
    await SqliteStore.open(path, { synchronous: 'normal' }).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(() => SqliteStore.open(dbPath(), { synchronous: 'off' as 'full' })).toThrow(/synchronous/);
    expect(() => SqliteStore.open(dbPath(), { busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
  });

  it('works in memory', async () => {
    const store = SqliteStore.open(':memory:');
    await store.commit({ deliveries: [delivery('d1')] });
    expect((await store.getDelivery('d1'))?.id).toBe('d1');
    await store.close();
  });

  it('commits the writes still queued when closed', async () => {
    const path = dbPath();
    const store = SqliteStore.open(path);
    const pending = store.commit({ events: [archivedEvent('e1')] });
    await store.close();
    await pending;
    const reopened = SqliteStore.open(path);
    expect((await reopened.listEvents({})).map((e) => e.id)).toEqual(['e1']);
    await reopened.close();
  });

  it.each([
    ['SqliteStore', (path: string) => SqliteStore.open(path)],
    ['ThreadedSqliteStore', (path: string) => ThreadedSqliteStore.open(path)],
  ] as const)('%s group-commits writes of one turn, and a failing one rejects alone', async (_, open) => {
    const store = await open(dbPath());
    await store.commit({ audit: [auditRecord('taken')] });
    const results = await Promise.allSettled([
      store.commit({ events: [archivedEvent('e1')], deliveries: [delivery('d1')] }),
      // Its event and delivery are written before the audit row fails: its savepoint must undo them.
      store.commit({
        events: [archivedEvent('e2')],
        deliveries: [delivery('d2')],
        audit: [auditRecord('taken')],
      }),
      store.commit({ events: [archivedEvent('e3')], deliveries: [delivery('d3')] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
    expect((await store.listDeliveries({})).map((d) => d.id)).toEqual(['d1', 'd3']);
    expect((await store.listEvents({})).map((e) => e.id).sort()).toEqual(['e1', 'e3']);
    await store.close();
  });
});

describe('SqliteStore when the disk is full', () => {
  it('reports a write as done exactly when it is stored', async () => {
    const store = SqliteStore.open(dbPath());
    // Stand in for a full disk: the file may not grow past its current size plus a little.
    const db = (store as unknown as { db: Database.Database }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 8}`);
    const big = 'x'.repeat(200_000);
    const results = await Promise.allSettled([
      store.commit({ events: [archivedEvent('small-1')] }),
      store.commit({ events: [archivedEvent('huge', { body: big })] }),
      store.commit({ events: [archivedEvent('small-2')] }),
    ]);
    expect(results[1]?.status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      name: 'StoreError',
      badInput: false,
    });
    const stored = new Set((await store.listEvents({})).map((e) => e.id));
    ['small-1', 'huge', 'small-2'].forEach((id, i) => {
      expect({ id, stored: stored.has(id) }).toEqual({ id, stored: results[i]?.status === 'fulfilled' });
    });
    // Space comes back: the store carries on.
    db.pragma('max_page_count = 1073741823');
    await store.commit({ events: [archivedEvent('after')] });
    expect((await store.listEvents({ limit: 1 }))[0]?.id).toBe('after');
    await store.close();
  });
});

describe('SqliteStore prune', () => {
  it('removes a backlog larger than one chunk, in several writes', async () => {
    const store = SqliteStore.open(dbPath());
    const events = Array.from({ length: 12_345 }, (_, i) =>
      archivedEvent(`e${i}`, { receivedAt: at(i % 100) }),
    );
    await store.commit({ events: [...events, archivedEvent('fresh', { receivedAt: at(10_000) })] });
    expect(await store.prune(at(10_000), { events: 1000 })).toBe(12_345);
    expect((await store.listEvents({})).map((e) => e.id)).toEqual(['fresh']);
    await store.close();
  });
});

describe('SqliteStore group commit', () => {
  it.each([
    ['SqliteStore', (path: string) => SqliteStore.open(path)],
    ['ThreadedSqliteStore', (path: string) => ThreadedSqliteStore.open(path)],
  ] as const)(
    '%s gives claims in a group that is run again the results of the run that was kept',
    async (_, open) => {
      const store = await open(dbPath());
      await store.commit({
        deliveries: ['d1', 'd2', 'd3', 'd4', 'd5'].map((id) => delivery(id)),
        audit: [auditRecord('a1')],
      });
      const [first, failed, second, outcome] = await Promise.allSettled([
        store.claimDeliveries(at(1), 2, 60_000),
        store.commit({ deliveries: [delivery('d6')], audit: [auditRecord('a1')] }),
        store.claimDeliveries(at(1), 2, 60_000),
        store.recordOutcome('d5', { kind: 'sent', at: at(1) }),
      ]);
      expect(failed.status).toBe('rejected');
      expect(outcome.status).toBe('fulfilled');
      const ids = (r: PromiseSettledResult<Delivery[]>) =>
        r.status === 'fulfilled' ? r.value.map((d) => d.id) : r;
      expect(ids(first as PromiseSettledResult<Delivery[]>)).toEqual(['d1', 'd2']);
      expect(ids(second as PromiseSettledResult<Delivery[]>)).toEqual(['d3', 'd4']);
      // The leases were kept (nothing left to claim) and the failed commit left nothing behind.
      expect(await store.claimDeliveries(at(2), 10, 60_000)).toEqual([]);
      expect(await store.getDelivery('d6')).toBeUndefined();
      expect(await store.stats()).toMatchObject({ deliveries: { pending: 4, sent: 1, dead: 0 } });
      await store.close();
    },
  );
});

describe('SqliteStore migrations', () => {
  it('migrates an empty file to the latest version and records it', async () => {
    const path = join(root, 'empty.db');
    writeFileSync(path, '');
    await SqliteStore.open(path).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    db.close();
  });

  it('applies only the steps an older file lacks', () => {
    const db = new Database(':memory:');
    const first = MIGRATIONS.slice(0, 1);
    migrate(db, first);
    db.prepare("INSERT INTO silences (id, created_ms, data) VALUES ('s1', 0, '{}')").run();
    const next: Migration[] = [
      ...first,
      { version: 2, name: 'add a column', sql: 'ALTER TABLE silences ADD COLUMN note TEXT' },
    ];
    migrate(db, next); // would fail with "table already exists" if step 1 ran again
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT id, note FROM silences').all()).toEqual([{ id: 's1', note: null }]);
    migrate(db, next);
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 2 });
    db.close();
  });

  it('carries a version-1 file and its outbox across every later step', async () => {
    const path = join(root, 'v1.db');
    const db = new Database(path);
    migrate(db, MIGRATIONS.slice(0, 1));
    const v1 = delivery('d1', { lastError: 'HTTP 500', attempts: 2 });
    const row = deliveryToRow(v1, 'v1');
    db.prepare(
      `INSERT INTO deliveries (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
        .map((k) => `@${k}`)
        .join(', ')})`,
    ).run(row);
    db.close();

    const store = SqliteStore.open(path);
    expect(await store.getDelivery('d1')).toEqual(v1);
    // Migration 3 counted the rows that were already there.
    expect((await store.stats()).deliveries).toEqual({ pending: 1, sent: 0, dead: 0 });
    expect(await store.claimDeliveries(at(0), 5, 1000)).toEqual([v1]);
    await store.recordOutcome('d1', { kind: 'sent', at: at(1) });
    expect((await store.stats()).deliveries).toEqual({ pending: 0, sent: 1, dead: 0 });
    await store.prune(at(100_000), { sentDeliveries: 1 });
    expect((await store.stats()).deliveries).toEqual({ pending: 0, sent: 0, dead: 0 });
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    // Pruning the outbox row took its body with it.
    expect(check.prepare('SELECT count(*) AS n FROM delivery_bodies').get()).toEqual({ n: 0 });
    check.close();
  });

  it('carries a version-4 file with data across steps 5 and 6 (indexes, bodies by row number)', async () => {
    const path = join(root, 'v4.db');
    const db = new Database(path);
    migrate(db, MIGRATIONS.slice(0, 4));
    const insert = (table: string, row: object) =>
      db
        .prepare(
          `INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
            .map((k) => `@${k}`)
            .join(', ')})`,
        )
        .run(row);
    insert('events', eventToRow(archivedEvent('e1', { receivedAt: at(1) }), 'v4'));
    insert('events', eventToRow(archivedEvent('e2', { receivedAt: at(2), status: 'rejected' }), 'v4'));
    insert('events', eventToRow(archivedEvent('e3', { receivedAt: at(3) }), 'v4'));
    // Deliveries as version 4 stored them: the outbox row, and the body keyed by the delivery id.
    const v4 = [
      delivery('d1', { createdAt: at(0) }),
      delivery('d2', { createdAt: at(1), state: 'sent', ref: 'ts-2', attempts: 1 }),
      delivery('d3', { createdAt: at(2), state: 'dead', lastError: 'HTTP 400', attempts: 1 }),
      delivery('d4', { createdAt: at(3) }),
    ];
    for (const d of v4) {
      const { notification, ...row } = deliveryToRow(d, 'v4');
      insert('deliveries', row);
      insert('delivery_bodies', { id: d.id, notification });
    }
    db.close();

    const store = SqliteStore.open(path);
    const ids = (list: { id: string }[]) => list.map((x) => x.id);
    expect(ids(await store.listEvents({ status: 'rejected' }))).toEqual(['e2']);
    expect(ids(await store.listEvents({ status: 'accepted' }))).toEqual(['e3', 'e1']);
    expect(ids(await store.listEvents({}))).toEqual(['e3', 'e2', 'e1']);
    expect(ids(await store.listDeliveries({ state: 'pending' }))).toEqual(['d1', 'd4']);
    expect(ids(await store.listDeliveries({ state: 'pending', after: 'd1' }))).toEqual(['d4']);
    expect(ids(await store.listDeliveries({ state: 'dead' }))).toEqual(['d3']);
    expect(ids(await store.listDeliveries({ state: 'sent' }))).toEqual(['d2']);
    for (const d of v4) expect(await store.getDelivery(d.id)).toEqual(d);
    expect(await store.stats()).toEqual({
      deliveries: { pending: 2, sent: 1, dead: 1 },
      events: { accepted: 2, rejected: 1 },
    });
    // Rows written after the upgrade land in the new indexes.
    await store.recordOutcome('d1', { kind: 'sent', at: at(11) });
    await store.recordOutcome('d4', { kind: 'dead', at: at(11), error: 'HTTP 410' });
    await store.commit({ events: [archivedEvent('e4', { receivedAt: at(4), status: 'rejected' })] });
    expect(ids(await store.listDeliveries({ state: 'dead' }))).toEqual(['d3', 'd4']);
    expect(ids(await store.listDeliveries({ state: 'pending' }))).toEqual([]);
    expect(ids(await store.listEvents({ status: 'rejected' }))).toEqual(['e4', 'e2']);
    expect(await store.prune(at(100_000), { sentDeliveries: 1 })).toBe(2);
    expect(ids(await store.listDeliveries({}))).toEqual(['d3', 'd4']);
    await store.close();

    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const indexes = check
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('events', 'deliveries')")
      .pluck()
      .all();
    expect(indexes).toEqual(
      expect.arrayContaining(['events_rejected', 'deliveries_pending', 'deliveries_dead']),
    );
    expect(indexes).not.toContain('events_by_status_time');
    expect(indexes).not.toContain('deliveries_by_state');
    // Pruning took the bodies of the pruned rows with it, and only those.
    expect(check.prepare('SELECT count(*) FROM delivery_bodies').pluck().get()).toBe(2);
    check.close();
  });

  it('rolls back a step that fails, leaving the file at the last good version', () => {
    const db = new Database(':memory:');
    const broken: Migration[] = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, name: 'broken', sql: 'CREATE TABLE extra (x); INSERT INTO nowhere VALUES (1);' },
    ];
    expect(() => migrate(db, broken)).toThrow(/nowhere/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'").get()).toEqual({
      n: 0,
    });
    db.close();
  });

  it('refuses a database newer than the code', () => {
    const path = dbPath();
    SqliteStore.open(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => SqliteStore.open(path)).toThrow(StoreError);
    expect(() => SqliteStore.open(path)).toThrow(/newer than this Klaxon knows/);
  });

  it('refuses a file that is not a database, naming it', () => {
    const path = join(root, 'not-a-db.txt');
    writeFileSync(path, 'hello, this is not SQLite'.repeat(100));
    expect(() => SqliteStore.open(path)).toThrow(StoreError);
    expect(() => SqliteStore.open(path)).toThrow(/not-a-db\.txt/);
  });

  it('rejects a migration list with a gap', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'x', sql: '' }])).toThrow(/version must be 1/);
    db.close();
  });
});

describe('SqliteStore with two connections', () => {
  it('never hands one delivery to both, over many rounds with expiring leases', async () => {
    const path = dbPath();
    const one = SqliteStore.open(path);
    const two = SqliteStore.open(path);
    await one.commit({ deliveries: Array.from({ length: 60 }, (_, i) => delivery(`d${i}`)) });
    for (let round = 0; round < 50; round++) {
      // Every lease from the previous round has expired by now: all 60 are due again.
      const now = at(round * 10);
      const [a, b] = await Promise.all([
        one.claimDeliveries(now, 7, 5000),
        two.claimDeliveries(now, 7, 5000),
      ]);
      const [c, d] = await Promise.all([
        two.claimDeliveries(now, 60, 5000),
        one.claimDeliveries(now, 60, 5000),
      ]);
      const ids = [a, b, c, d].flat().map((x) => x.id);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
    }
    await one.close();
    await two.close();
  });
});

describe('SqliteStore across processes', () => {
  let child: string;
  beforeAll(() => {
    child = buildChildStore(mkdtempSync(join(root, 'child-')));
  });

  it('shows committed data to another process, and the other way round', async () => {
    const path = dbPath();
    const store = SqliteStore.open(path);
    await store.commit({ deliveries: [delivery('d1'), delivery('d2')], events: [archivedEvent('e1')] });
    const [seen] = await runChild(child, ['stats', path]);
    expect(seen).toEqual({
      stats: { deliveries: { pending: 2, sent: 0, dead: 0 }, events: { accepted: 1, rejected: 0 } },
      deliveries: ['d1', 'd2'],
    });
    const [claimed] = await runChild(child, ['claim', path, at(0), '1']);
    expect(claimed).toEqual({ claimed: ['d1', 'd2'] });
    // The parent's open connection sees the child's leases without reopening.
    expect(await store.claimDeliveries(at(0), 10, 1000)).toEqual([]);
    await store.close();
  });

  it('never lets two processes claim the same delivery', async () => {
    for (let round = 0; round < 4; round++) {
      const path = dbPath();
      const store = SqliteStore.open(path);
      const ids = Array.from({ length: 1200 }, (_, i) => `r${round}-d${String(i).padStart(4, '0')}`);
      await store.commit({ deliveries: ids.map((id, i) => delivery(id, { nextAttemptAt: at(i % 50) })) });
      const startAt = String(Date.now() + 1000);
      const results = await Promise.all([
        runChild(child, ['claim', path, at(100), '7', startAt]),
        runChild(child, ['claim', path, at(100), '7', startAt]),
        // A ThreadedSqliteStore process claims alongside: its claims run in its writer thread.
        runChild(child, ['claim', path, at(100), '13', startAt], 'threaded'),
      ]);
      const claims = results.map((lines) => (lines[0] as { claimed: string[] }).claimed);
      const all = claims.flat();
      expect(all).toHaveLength(ids.length);
      expect(new Set(all).size).toBe(ids.length);
      expect(new Set(all)).toEqual(new Set(ids));
      // Each process really took part, or the test would prove nothing about concurrency.
      for (const claim of claims) expect(claim.length).toBeGreaterThan(0);
      await store.close();
    }
  });

  it.each([
    ['sqlite', 'sqlite'],
    ['sqlite', 'threaded'],
  ] as const)(
    'lets two processes (%s, %s) commit to one file at once, waiting for each other',
    async (first, second) => {
      const path = dbPath();
      await SqliteStore.open(path).close();
      const [a, b] = await Promise.all([
        runChild(child, ['commit', path, 'a', '400'], first),
        runChild(child, ['commit', path, 'b', '400'], second),
      ]);
      expect(a).toHaveLength(400);
      expect(b).toHaveLength(400);
      const store = SqliteStore.open(path);
      expect((await store.stats()).events.accepted).toBe(800);
      await store.close();
    },
  );

  // ThreadedSqliteStore too: its acknowledgement must also wait for the writer thread's fsync.
  it.each(['sqlite', 'threaded'] as const)(
    'keeps every acknowledged commit when the writer (%s) is killed with SIGKILL',
    async (adapter) => {
      const path = dbPath();
      SqliteStore.open(path).close();
      const acked = await commitUntilKilled(child, path, 300, adapter);
      expect(acked.length).toBeGreaterThanOrEqual(300);
      const store = SqliteStore.open(path);
      const stored = new Set((await store.listEvents({})).map((e) => e.id));
      expect(acked.filter((id) => !stored.has(id))).toEqual([]);
      await store.close();
    },
  );
});
