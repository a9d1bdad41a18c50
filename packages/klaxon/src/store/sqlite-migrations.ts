import type { Database } from 'better-sqlite3';
import { StoreError } from './errors.js';

/** One schema step. Versions start at 1 and increase by one; a released step is never edited. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The SQLite schema, oldest step first. `PRAGMA user_version` holds the version a file is at;
 * `schema_migrations` keeps when each step ran, for operators. Times are stored twice (see
 * rows.ts): the caller's text and epoch milliseconds, which the indexes and comparisons use.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
      );

      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        event_id TEXT,
        received_at TEXT NOT NULL,
        received_ms INTEGER NOT NULL,
        via TEXT NOT NULL CHECK (via IN ('http', 'sns', 'cli', 'sqs')),
        status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
        reason TEXT,
        body TEXT NOT NULL
      );
      -- Newest-first listing (optionally by status) and pruning; seq (the rowid) breaks ties.
      CREATE INDEX events_by_time ON events (received_ms);
      CREATE INDEX events_by_status_time ON events (status, received_ms);

      CREATE TABLE finding_states (
        rule TEXT NOT NULL,
        key TEXT NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (rule, key)
      ) WITHOUT ROWID;
      -- Pruning walks these oldest first; without them every prune chunk would scan the table.
      CREATE INDEX finding_states_by_seen ON finding_states (last_seen_ms);

      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        output TEXT NOT NULL,
        rule TEXT NOT NULL,
        finding_key TEXT NOT NULL,
        notification TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        next_attempt_at TEXT NOT NULL,
        next_attempt_ms INTEGER NOT NULL,
        claimable_ms INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        last_error TEXT,
        ref TEXT
      );
      -- The workers' hot query: due pending rows. Partial, so sent history does not bloat it.
      CREATE INDEX deliveries_due ON deliveries (claimable_ms, id) WHERE state = 'pending';
      CREATE INDEX deliveries_by_state ON deliveries (state, created_ms, id);
      CREATE INDEX deliveries_by_created ON deliveries (created_ms, id);
      CREATE INDEX deliveries_by_updated ON deliveries (state, updated_ms);

      CREATE TABLE thread_refs (
        finding_key TEXT NOT NULL,
        output TEXT NOT NULL,
        ref TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (finding_key, output)
      ) WITHOUT ROWID;
      CREATE INDEX thread_refs_by_use ON thread_refs (updated_ms);

      CREATE TABLE digest_groups (
        key TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        labels TEXT NOT NULL,
        flush_at TEXT NOT NULL,
        flush_ms INTEGER NOT NULL,
        last_flushed_at TEXT
      );
      CREATE INDEX digest_groups_by_flush ON digest_groups (flush_ms, key);
      -- One row per appended finding, so an append is an insert, not a rewrite of the whole list.
      CREATE TABLE group_findings (
        seq INTEGER PRIMARY KEY,
        group_key TEXT NOT NULL,
        finding TEXT NOT NULL
      );
      CREATE INDEX group_findings_by_group ON group_findings (group_key, seq);

      CREATE TABLE silences (
        id TEXT PRIMARY KEY,
        created_ms INTEGER NOT NULL,
        data TEXT NOT NULL
      );

      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        at_ms INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX audit_by_time ON audit (at_ms);
    `,
  },
  {
    // An UPDATE rewrites the whole row, overflow pages included: with the notification JSON (the
    // whole finding, several KiB) in the row, every claim and every outcome wrote it to the WAL
    // again. The body now lives in its own insert-only table; outbox rows stay small.
    version: 2,
    name: 'notification bodies apart from the outbox rows',
    sql: `
      CREATE TABLE delivery_bodies (
        id TEXT PRIMARY KEY,
        notification TEXT NOT NULL
      );
      INSERT INTO delivery_bodies (id, notification) SELECT id, notification FROM deliveries;
      ALTER TABLE deliveries DROP COLUMN notification;
      CREATE TRIGGER deliveries_drop_body AFTER DELETE ON deliveries
      BEGIN
        DELETE FROM delivery_bodies WHERE id = old.id;
      END;
    `,
  },
  {
    // stats() feeds /metrics, scraped every few seconds: counting millions of rows each time would
    // stall the event loop, so triggers keep the counts as rows come and go.
    version: 3,
    name: 'row counts kept by triggers',
    sql: `
      CREATE TABLE row_counts (
        name TEXT PRIMARY KEY,
        n INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO row_counts (name, n)
        VALUES ('deliveries.pending', 0), ('deliveries.sent', 0), ('deliveries.dead', 0),
               ('events.accepted', 0), ('events.rejected', 0);
      UPDATE row_counts SET n = (SELECT count(*) FROM deliveries WHERE 'deliveries.' || state = name)
        WHERE name LIKE 'deliveries.%';
      UPDATE row_counts SET n = (SELECT count(*) FROM events WHERE 'events.' || status = name)
        WHERE name LIKE 'events.%';

      CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries
      BEGIN
        UPDATE row_counts SET n = n + 1 WHERE name = 'deliveries.' || new.state;
      END;
      CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries
      BEGIN
        UPDATE row_counts SET n = n - 1 WHERE name = 'deliveries.' || old.state;
      END;
      CREATE TRIGGER deliveries_count_state AFTER UPDATE OF state ON deliveries
      WHEN old.state <> new.state
      BEGIN
        UPDATE row_counts SET n = n - 1 WHERE name = 'deliveries.' || old.state;
        UPDATE row_counts SET n = n + 1 WHERE name = 'deliveries.' || new.state;
      END;
      CREATE TRIGGER events_count_insert AFTER INSERT ON events
      BEGIN
        UPDATE row_counts SET n = n + 1 WHERE name = 'events.' || new.status;
      END;
      CREATE TRIGGER events_count_delete AFTER DELETE ON events
      BEGIN
        UPDATE row_counts SET n = n - 1 WHERE name = 'events.' || old.status;
      END;
    `,
  },
  {
    // Pruning walks (state, created_ms) now (a delivery is sent after it is created), and the
    // counts come from row_counts: this index only cost every outcome two more B-tree writes.
    version: 4,
    name: 'drop the outbox index on updated_ms',
    sql: 'DROP INDEX deliveries_by_updated;',
  },
  {
    // Every index entry an event or an outcome writes costs CPU and WAL pages. Nearly all events
    // are accepted and nearly all deliveries end sent, so full indexes by status and by state
    // held mostly entries no listing needs: listing accepted events walks events_by_time and
    // listing sent deliveries walks deliveries_by_created (both filter as they go); only the rare
    // states keep an index of their own. A sent outcome now removes the delivery's entries from
    // the pending indexes instead of moving one within a state index.
    version: 5,
    name: 'index only the rare event statuses and delivery states',
    sql: `
      DROP INDEX events_by_status_time;
      CREATE INDEX events_rejected ON events (received_ms) WHERE status = 'rejected';
      DROP INDEX deliveries_by_state;
      CREATE INDEX deliveries_pending ON deliveries (created_ms, id) WHERE state = 'pending';
      CREATE INDEX deliveries_dead ON deliveries (created_ms, id) WHERE state = 'dead';
    `,
  },
  {
    // Delivery ids are hashes: a body table keyed by them inserted every body at a random place
    // of its key index (a page written to the WAL per delivery, and read back from disk once the
    // outbox outgrows the cache). An explicit INTEGER PRIMARY KEY (a rowid VACUUM keeps) on the
    // outbox lets the bodies be keyed by it instead: appended in order, no second index.
    // The triggers go first, so copying and dropping neither counts nor deletes anything.
    version: 6,
    name: 'notification bodies keyed by the outbox row number',
    sql: `
      DROP TRIGGER deliveries_drop_body;
      DROP TRIGGER deliveries_count_insert;
      DROP TRIGGER deliveries_count_delete;
      DROP TRIGGER deliveries_count_state;

      CREATE TABLE deliveries_v6 (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        output TEXT NOT NULL,
        rule TEXT NOT NULL,
        finding_key TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        next_attempt_at TEXT NOT NULL,
        next_attempt_ms INTEGER NOT NULL,
        claimable_ms INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        last_error TEXT,
        ref TEXT
      );
      INSERT INTO deliveries_v6 (seq, id, output, rule, finding_key, state, attempts, next_attempt_at, next_attempt_ms, claimable_ms, created_at, created_ms, updated_at, updated_ms, last_error, ref)
        SELECT rowid, id, output, rule, finding_key, state, attempts, next_attempt_at, next_attempt_ms, claimable_ms, created_at, created_ms, updated_at, updated_ms, last_error, ref FROM deliveries ORDER BY rowid;
      CREATE TABLE delivery_bodies_v6 (
        seq INTEGER PRIMARY KEY,
        notification TEXT NOT NULL
      );
      INSERT INTO delivery_bodies_v6 (seq, notification)
        SELECT d.seq, b.notification FROM deliveries_v6 d JOIN delivery_bodies b ON b.id = d.id ORDER BY d.seq;
      DROP TABLE delivery_bodies;
      DROP TABLE deliveries;
      ALTER TABLE deliveries_v6 RENAME TO deliveries;
      ALTER TABLE delivery_bodies_v6 RENAME TO delivery_bodies;

      CREATE INDEX deliveries_due ON deliveries (claimable_ms, id) WHERE state = 'pending';
      CREATE INDEX deliveries_by_created ON deliveries (created_ms, id);
      CREATE INDEX deliveries_pending ON deliveries (created_ms, id) WHERE state = 'pending';
      CREATE INDEX deliveries_dead ON deliveries (created_ms, id) WHERE state = 'dead';

      CREATE TRIGGER deliveries_drop_body AFTER DELETE ON deliveries
      BEGIN
        DELETE FROM delivery_bodies WHERE seq = old.seq;
      END;
      CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries
      BEGIN
        UPDATE row_counts SET n = n + 1 WHERE name = 'deliveries.' || new.state;
      END;
      CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries
      BEGIN
        UPDATE row_counts SET n = n - 1 WHERE name = 'deliveries.' || old.state;
      END;
      CREATE TRIGGER deliveries_count_state AFTER UPDATE OF state ON deliveries
      WHEN old.state <> new.state
      BEGIN
        UPDATE row_counts SET n = n - 1 WHERE name = 'deliveries.' || old.state;
        UPDATE row_counts SET n = n + 1 WHERE name = 'deliveries.' || new.state;
      END;
    `,
  },
];

/**
 * Brings a database to the last version in `migrations`, each step in its own transaction
 * (taken with BEGIN IMMEDIATE, so two processes opening one file at once migrate it once).
 * A database newer than the code is refused rather than guessed at.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now = () => new Date(),
): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new StoreError(`migration ${i}: version must be ${i + 1}, got ${migration.version}`);
    }
  });
  const latest = migrations.length;
  const current = () => db.pragma('user_version', { simple: true }) as number;
  if (current() > latest) throw tooNew(db, current(), latest);
  for (const migration of migrations) {
    db.transaction(() => {
      const version = current();
      if (version > latest) throw tooNew(db, version, latest);
      if (version >= migration.version) return; // another process got there first
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now().toISOString(),
      );
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

function tooNew(db: Database, version: number, latest: number): StoreError {
  return new StoreError(
    `${db.name}: database schema version ${version} is newer than this Klaxon knows (${latest}); ` +
      'upgrade Klaxon or point it at another database file',
  );
}
