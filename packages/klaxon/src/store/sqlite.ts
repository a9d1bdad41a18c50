import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';
import type {
  ArchivedEvent,
  AuditRecord,
  CommitBatch,
  Delivery,
  DeliveryOutcome,
  DeliveryState,
  FindingState,
  Group,
  Retention,
  Silence,
  Store,
} from './ports.js';
import {
  badInput,
  type CommitRows,
  commitRows,
  type DeliveryCore,
  type DeliveryRow,
  deliveryFromRow,
  deliveryRows,
  type EventRow,
  eventFromRow,
  type GroupRow,
  groupFromRow,
  instantMs,
  leaseLength,
  type OutcomeUpdate,
  optionalCount,
  outcomeUpdate,
  positiveInteger,
  pruneCutoffs,
  quoted,
  retryUpdate,
  silenceToRow,
} from './rows.js';
import { migrate } from './sqlite-migrations.js';

/** Options of `SqliteStore.open`. */
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

type Statement = BetterSqlite3.Statement;

interface QueuedWrite {
  readonly op: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * The store `klaxon serve` uses: one SQLite file (better-sqlite3, WAL).
 *
 * Writes are group-committed: every write issued during one event-loop turn runs in ONE
 * transaction (so one fsync however many events arrived together). A write that fails rolls
 * back alone and rejects alone (the group is then run again with a savepoint per write). A
 * write's promise resolves only after that transaction is committed. Writes apply in call order.
 * Reads run at once against committed data: a read sees every write whose promise has resolved.
 */
export class SqliteStore implements Store {
  private readonly db: BetterSqlite3.Database;
  private readonly sql: ReturnType<typeof prepare>;
  private readonly listDeliveryStatements = new Map<string, Statement>();
  private queue: QueuedWrite[] = [];
  private drainScheduled = false;
  private closed = false;
  private readonly writeAll: (items: readonly QueuedWrite[], results: Settled[]) => void;

  private constructor(db: BetterSqlite3.Database) {
    this.db = db;
    this.sql = prepare(db);
    // The fast path: the whole group in one transaction, no savepoints (a savepoint makes SQLite
    // copy every page it touches again to a sub-journal).
    const plain = db.transaction((items: readonly QueuedWrite[], results: Settled[]) => {
      for (const item of items) results.push({ ok: true, value: item.op() });
    });
    // When a write fails, the group is rolled back and run again with a savepoint per write, so
    // that only the failing write fails. Writes are plain functions of the database, so running
    // them a second time gives the result they would have had the first time.
    const one = db.transaction((op: () => unknown) => op());
    const guarded = db.transaction((items: readonly QueuedWrite[], results: Settled[]) => {
      for (const item of items) {
        try {
          results.push({ ok: true, value: one(item.op) });
        } catch (error) {
          // Some errors (disk full, I/O) make SQLite roll back the whole transaction; the writes
          // after it must not run in autocommit mode, so the whole group fails instead.
          if (!db.inTransaction) throw error;
          results.push({ ok: false, error });
        }
      }
    });
    this.writeAll = (items, results) => {
      try {
        plain.immediate(items, results);
      } catch {
        results.length = 0;
        guarded.immediate(items, results);
      }
    };
  }

  /** Opens (creating it and its parent folders if needed) and migrates a database file; `:memory:` works. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw badInput(`busyTimeoutMs: expected a non-negative integer, got ${String(busyTimeoutMs)}`);
    }
    const synchronous = options.synchronous ?? 'full';
    if (synchronous !== 'full' && synchronous !== 'normal') {
      throw badInput(`synchronous: expected full or normal, got ${String(synchronous)}`);
    }
    let db: BetterSqlite3.Database | undefined;
    try {
      if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
      db = new BetterSqlite3(path, { timeout: busyTimeoutMs });
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      // Savepoint sub-journals and sorts stay in memory instead of temporary files.
      db.pragma('temp_store = MEMORY');
      migrate(db);
      return new SqliteStore(db);
    } catch (error) {
      db?.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`cannot open the database ${path}: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Writes a decision atomically, in the transaction of this turn's group commit. */
  async commit(batch: CommitBatch): Promise<void> {
    this.assertOpen();
    const rows = commitRows(batch);
    await this.write(() => this.writeRows(rows));
  }

  /** The state a rule keeps for a finding key. */
  async findingState(rule: string, key: string): Promise<FindingState | undefined> {
    const row = this.read(() => this.sql.getState.get(rule, key) as { data: string } | undefined);
    return row && JSON.parse(row.data);
  }

  /** Leases up to `limit` due pending deliveries, earliest first; atomic across connections. */
  async claimDeliveries(now: string, limit: number, leaseMs: number): Promise<Delivery[]> {
    this.assertOpen();
    const nowMs = instantMs(now, 'now');
    positiveInteger(limit, 'limit');
    const lease = leaseLength(leaseMs, 'leaseMs');
    // An idle worker polls often: when nothing is due, answer from a read and skip the write lock.
    // Something that becomes due just after this read is taken by the next poll.
    if (this.read(() => this.sql.anyDue.get({ now: nowMs })) === undefined) return [];
    return this.write(() => {
      // Inside BEGIN IMMEDIATE: no other connection can write between the select and the update.
      const rows = this.sql.dueDeliveries.all({ now: nowMs, limit }) as DeliveryRow[];
      this.sql.leaseDeliveries.run({ now: nowMs, limit, until: nowMs + lease });
      return rows.map(deliveryFromRow);
    });
  }

  /** Records a send attempt; a `sent` with a ref becomes the thread reference if none exists. */
  async recordOutcome(id: string, outcome: DeliveryOutcome): Promise<void> {
    this.assertOpen();
    await this.write(() => {
      const row = this.sql.getDeliveryCore.get(id) as DeliveryCore | undefined;
      if (!row) throw badInput(`recordOutcome: no delivery ${quoted(id)}`);
      const update = outcomeUpdate(row, outcome);
      if (!update) return;
      this.sql.updateDelivery.run({ id, ...update });
      if (update.state === 'sent' && update.ref !== null) {
        this.sql.touchThread.run({
          finding_key: row.finding_key,
          output: row.output,
          ref: update.ref,
          updated_ms: update.updated_ms,
        });
      }
    });
  }

  /** Deliveries in creation order, optionally of one state, after the delivery id `after`. */
  async listDeliveries(query: {
    state?: DeliveryState;
    limit?: number;
    after?: string;
  }): Promise<Delivery[]> {
    const limit = query.limit === undefined ? -1 : positiveInteger(query.limit, 'limit');
    return this.read(() => {
      let cursor: DeliveryCore | undefined;
      if (query.after !== undefined) {
        cursor = this.sql.getDeliveryCore.get(query.after) as DeliveryCore | undefined;
        if (!cursor) throw badInput(`listDeliveries: unknown cursor ${quoted(query.after)}`);
      }
      const statement = this.listDeliveriesStatement(query.state !== undefined, cursor !== undefined);
      const rows = statement.all({
        state: query.state ?? null,
        created_ms: cursor?.created_ms ?? null,
        id: cursor?.id ?? null,
        limit,
      }) as DeliveryRow[];
      return rows.map(deliveryFromRow);
    });
  }

  /** One delivery by id. */
  async getDelivery(id: string): Promise<Delivery | undefined> {
    const row = this.read(() => this.sql.getDelivery.get(id) as DeliveryRow | undefined);
    return row && deliveryFromRow(row);
  }

  /** Makes a dead or pending delivery due now; false for an unknown or already sent one. */
  async retryDelivery(id: string, now: string): Promise<boolean> {
    this.assertOpen();
    instantMs(now, 'now');
    return this.write(() => {
      const row = this.sql.getDeliveryCore.get(id) as DeliveryCore | undefined;
      if (!row) return false;
      const update: OutcomeUpdate | undefined = retryUpdate(row, now);
      if (!update) return false;
      this.sql.updateDelivery.run({ id, ...update });
      return true;
    });
  }

  /** The first successful send's reference for a finding key on an output. */
  async threadRef(findingKey: string, output: string): Promise<string | undefined> {
    const row = this.read(() => this.sql.getThread.get(findingKey, output) as { ref: string } | undefined);
    return row?.ref;
  }

  /** Groups due at `now` that hold findings, earliest first. */
  async dueGroups(now: string): Promise<Group[]> {
    const nowMs = instantMs(now, 'now');
    return this.read(() =>
      this.snapshot(() =>
        (this.sql.dueGroups.all(nowMs) as GroupRow[]).map((row) =>
          groupFromRow(row, this.sql.groupFindings.all(row.key) as string[]),
        ),
      ),
    );
  }

  /** Empties (the first `flushed` findings of) a group and enqueues its digest, in one transaction. */
  async flushGroup(
    key: string,
    flushedAt: string,
    nextFlushAt: string | undefined,
    deliveries: readonly Delivery[],
    flushed?: number,
  ): Promise<void> {
    this.assertOpen();
    const flushedMs = instantMs(flushedAt, 'flushedAt');
    const nextMs = nextFlushAt === undefined ? undefined : instantMs(nextFlushAt, 'nextFlushAt');
    const rows = deliveryRows(deliveries, 'deliveries');
    optionalCount(flushed, 'flushed');
    await this.write(() => {
      if (!this.sql.getGroup.get(key)) throw badInput(`flushGroup: no group ${quoted(key)}`);
      if (flushed === undefined) this.sql.clearGroup.run(key);
      else this.sql.dropFirstFindings.run(key, flushed);
      const remaining = this.sql.countGroupFindings.get(key) as number;
      if (nextFlushAt === undefined && remaining === 0) {
        this.sql.deleteGroup.run(key);
      } else {
        this.sql.rescheduleGroup.run({
          key,
          flush_at: nextFlushAt ?? flushedAt,
          flush_ms: nextMs ?? flushedMs,
          last_flushed_at: flushedAt,
        });
      }
      for (const row of rows) this.insertDelivery(row);
    });
  }

  /** Every silence, oldest first. */
  async listSilences(): Promise<Silence[]> {
    return this.read(() => (this.sql.listSilences.all() as string[]).map((data) => JSON.parse(data)));
  }

  /** Creates or replaces a silence by id. */
  async putSilence(silence: Silence): Promise<void> {
    this.assertOpen();
    const row = silenceToRow(silence, 'silence');
    await this.write(() => this.sql.putSilence.run(row));
  }

  /** Deletes a silence; false when there was none. */
  async deleteSilence(id: string): Promise<boolean> {
    this.assertOpen();
    return this.write(() => this.sql.deleteSilence.run(id).changes > 0);
  }

  /** Audit records, newest first. */
  async listAudit(query: { limit?: number }): Promise<AuditRecord[]> {
    const limit = query.limit === undefined ? -1 : positiveInteger(query.limit, 'limit');
    return this.read(() => (this.sql.listAudit.all(limit) as string[]).map((data) => JSON.parse(data)));
  }

  /** Archived events, newest first, optionally of one status. */
  async listEvents(query: { status?: ArchivedEvent['status']; limit?: number }): Promise<ArchivedEvent[]> {
    const limit = query.limit === undefined ? -1 : positiveInteger(query.limit, 'limit');
    return this.read(() => {
      const rows = (
        query.status === undefined
          ? this.sql.listEvents.all(limit)
          : this.sql.listEventsByStatus.all(query.status, limit)
      ) as EventRow[];
      return rows.map(eventFromRow);
    });
  }

  /** Row counts per delivery state and event status. */
  async stats(): Promise<{
    deliveries: Record<DeliveryState, number>;
    events: Record<ArchivedEvent['status'], number>;
  }> {
    return this.read(() => {
      const counts = new Map(this.sql.rowCounts.all() as [string, number][]);
      const count = (name: string) => counts.get(name) ?? 0;
      return {
        deliveries: {
          pending: count('deliveries.pending'),
          sent: count('deliveries.sent'),
          dead: count('deliveries.dead'),
        },
        events: { accepted: count('events.accepted'), rejected: count('events.rejected') },
      };
    });
  }

  /**
   * Deletes history older than the retention; pending and dead deliveries are never pruned.
   * Rows go in chunks of PRUNE_CHUNK, one write each, so a large backlog never holds the write
   * lock (and the event loop) long enough to stall ingestion.
   */
  async prune(now: string, retention: Retention): Promise<number> {
    this.assertOpen();
    const cutoffs = pruneCutoffs(now, retention);
    const steps: [Statement, number | undefined][] = [
      [this.sql.pruneEvents, cutoffs.events],
      [this.sql.pruneSent, cutoffs.sentDeliveries],
      [this.sql.pruneAudit, cutoffs.audit],
      [this.sql.pruneStates, cutoffs.findingStates],
      [this.sql.pruneThreads, cutoffs.findingStates],
    ];
    let removed = 0;
    for (const [statement, cutoff] of steps) {
      if (cutoff === undefined) continue;
      for (;;) {
        const changes = await this.write(() => statement.run({ cutoff, limit: PRUNE_CHUNK }).changes);
        removed += changes;
        if (changes < PRUNE_CHUNK) break;
      }
    }
    return removed;
  }

  /** Commits the writes still queued, then closes the file; later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    this.db.close();
  }

  private writeRows(rows: CommitRows): void {
    for (const row of rows.events) this.sql.insertEvent.run(row);
    for (const row of rows.states) this.sql.upsertState.run(row);
    for (const row of rows.deliveries) this.insertDelivery(row);
    for (const add of rows.groupAdds) {
      this.sql.createGroup.run(add.group);
      this.sql.appendFinding.run(add.group.key, add.finding);
    }
    for (const row of rows.audit) this.sql.insertAudit.run(row);
  }

  // Idempotent on id: a delivery committed again (a retried request) keeps its first row and body.
  private insertDelivery(row: DeliveryRow): void {
    if (this.sql.insertDelivery.run(row).changes > 0) this.sql.insertBody.run(row);
  }

  private write<T>(op: () => T): Promise<T> {
    this.assertOpen();
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.drainScheduled) {
        this.drainScheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  private drain(): void {
    this.drainScheduled = false;
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;
    const results: Settled[] = [];
    try {
      this.writeAll(items, results);
    } catch (error) {
      // The transaction itself failed (lock timeout, disk full, I/O error): nothing was written.
      const failure = new StoreError(`write failed: ${messageOf(error)}`, { cause: error });
      for (const item of items) item.reject(failure);
      return;
    }
    items.forEach((item, i) => {
      const result = results[i];
      if (result?.ok) item.resolve(result.value);
      else item.reject(storeError(result?.error));
    });
  }

  private read<T>(op: () => T): T {
    this.assertOpen();
    try {
      return op();
    } catch (error) {
      throw storeError(error);
    }
  }

  // Several statements that must see one state of the file, even while another process writes.
  private snapshot<T>(op: () => T): T {
    return this.db.transaction(op).deferred();
  }

  private listDeliveriesStatement(byState: boolean, afterCursor: boolean): Statement {
    const key = `${byState}/${afterCursor}`;
    let statement = this.listDeliveryStatements.get(key);
    if (!statement) {
      const where = [
        byState ? 'd.state = @state' : '',
        afterCursor ? '(d.created_ms, d.id) > (@created_ms, @id)' : '',
      ]
        .filter(Boolean)
        .join(' AND ');
      statement = this.db.prepare(
        'SELECT d.*, b.notification FROM deliveries d JOIN delivery_bodies b ON b.id = d.id ' +
          `${where ? `WHERE ${where}` : ''} ORDER BY d.created_ms, d.id LIMIT @limit`,
      );
      this.listDeliveryStatements.set(key, statement);
    }
    return statement;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('the store is closed');
  }
}

const PRUNE_CHUNK = 5000;

type Settled =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

function prepare(db: BetterSqlite3.Database) {
  const deliveryColumns =
    'id, output, rule, finding_key, state, attempts, next_attempt_at, next_attempt_ms, ' +
    'claimable_ms, created_at, created_ms, updated_at, updated_ms, last_error, ref';
  // A delivery with its body (kept in delivery_bodies, see migration 2).
  const withBody = 'SELECT d.*, b.notification FROM deliveries d JOIN delivery_bodies b ON b.id = d.id';
  const values = deliveryColumns
    .split(', ')
    .map((column) => `@${column}`)
    .join(', ');
  // Without statistics the planner prefers a (state, …) index and sorts every pending row; the
  // partial due index reads only the rows it returns, in order.
  const due =
    "deliveries INDEXED BY deliveries_due WHERE state = 'pending' AND claimable_ms <= @now " +
    'ORDER BY claimable_ms, id LIMIT @limit';
  return {
    insertEvent: db.prepare(
      'INSERT INTO events (id, event_id, received_at, received_ms, via, status, reason, body) ' +
        'VALUES (@id, @event_id, @received_at, @received_ms, @via, @status, @reason, @body)',
    ),
    upsertState: db.prepare(
      'INSERT INTO finding_states (rule, key, last_seen_ms, data) VALUES (@rule, @key, @last_seen_ms, @data) ' +
        'ON CONFLICT (rule, key) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, data = excluded.data',
    ),
    getState: db.prepare('SELECT data FROM finding_states WHERE rule = ? AND key = ?'),
    insertDelivery: db.prepare(
      `INSERT INTO deliveries (${deliveryColumns}) VALUES (${values}) ON CONFLICT (id) DO NOTHING`,
    ),
    insertBody: db.prepare('INSERT INTO delivery_bodies (id, notification) VALUES (@id, @notification)'),
    getDelivery: db.prepare(`${withBody} WHERE d.id = ?`),
    getDeliveryCore: db.prepare('SELECT * FROM deliveries WHERE id = ?'),
    dueDeliveries: db.prepare(
      `SELECT d.*, b.notification FROM (SELECT * FROM ${due}) d JOIN delivery_bodies b ON b.id = d.id ` +
        'ORDER BY d.claimable_ms, d.id',
    ),
    anyDue: db.prepare(
      "SELECT 1 FROM deliveries INDEXED BY deliveries_due WHERE state = 'pending' AND claimable_ms <= @now LIMIT 1",
    ),
    leaseDeliveries: db.prepare(
      `UPDATE deliveries SET claimable_ms = @until WHERE id IN (SELECT id FROM ${due})`,
    ),
    updateDelivery: db.prepare(
      'UPDATE deliveries SET state = @state, attempts = @attempts, next_attempt_at = @next_attempt_at, ' +
        'next_attempt_ms = @next_attempt_ms, claimable_ms = @claimable_ms, updated_at = @updated_at, ' +
        'updated_ms = @updated_ms, last_error = @last_error, ref = @ref WHERE id = @id',
    ),
    touchThread: db.prepare(
      'INSERT INTO thread_refs (finding_key, output, ref, updated_ms) VALUES (@finding_key, @output, @ref, @updated_ms) ' +
        'ON CONFLICT (finding_key, output) DO UPDATE SET updated_ms = max(updated_ms, excluded.updated_ms)',
    ),
    getThread: db.prepare('SELECT ref FROM thread_refs WHERE finding_key = ? AND output = ?'),
    createGroup: db.prepare(
      'INSERT INTO digest_groups (key, rule, labels, flush_at, flush_ms, last_flushed_at) ' +
        'VALUES (@key, @rule, @labels, @flush_at, @flush_ms, @last_flushed_at) ON CONFLICT (key) DO NOTHING',
    ),
    appendFinding: db.prepare('INSERT INTO group_findings (group_key, finding) VALUES (?, ?)'),
    getGroup: db.prepare('SELECT key FROM digest_groups WHERE key = ?'),
    dueGroups: db.prepare(
      'SELECT * FROM digest_groups g WHERE flush_ms <= ? ' +
        'AND EXISTS (SELECT 1 FROM group_findings f WHERE f.group_key = g.key) ORDER BY flush_ms, key',
    ),
    groupFindings: db.prepare('SELECT finding FROM group_findings WHERE group_key = ? ORDER BY seq').pluck(),
    clearGroup: db.prepare('DELETE FROM group_findings WHERE group_key = ?'),
    dropFirstFindings: db.prepare(
      'DELETE FROM group_findings WHERE seq IN ' +
        '(SELECT seq FROM group_findings WHERE group_key = ? ORDER BY seq LIMIT ?)',
    ),
    countGroupFindings: db.prepare('SELECT count(*) FROM group_findings WHERE group_key = ?').pluck(),
    deleteGroup: db.prepare('DELETE FROM digest_groups WHERE key = ?'),
    rescheduleGroup: db.prepare(
      'UPDATE digest_groups SET flush_at = @flush_at, flush_ms = @flush_ms, last_flushed_at = @last_flushed_at ' +
        'WHERE key = @key',
    ),
    listSilences: db.prepare('SELECT data FROM silences ORDER BY created_ms, id').pluck(),
    putSilence: db.prepare(
      'INSERT INTO silences (id, created_ms, data) VALUES (@id, @created_ms, @data) ' +
        'ON CONFLICT (id) DO UPDATE SET created_ms = excluded.created_ms, data = excluded.data',
    ),
    deleteSilence: db.prepare('DELETE FROM silences WHERE id = ?'),
    insertAudit: db.prepare('INSERT INTO audit (id, at_ms, data) VALUES (@id, @at_ms, @data)'),
    listAudit: db.prepare('SELECT data FROM audit ORDER BY at_ms DESC, seq DESC LIMIT ?').pluck(),
    listEvents: db.prepare('SELECT * FROM events ORDER BY received_ms DESC, seq DESC LIMIT ?'),
    listEventsByStatus: db.prepare(
      'SELECT * FROM events WHERE status = ? ORDER BY received_ms DESC, seq DESC LIMIT ?',
    ),
    // Kept by triggers (migration 3), so stats() does not count rows.
    rowCounts: db.prepare('SELECT name, n FROM row_counts').raw(),
    pruneEvents: db.prepare(
      'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE received_ms < @cutoff LIMIT @limit)',
    ),
    // A delivery is created before it is sent, so every prunable row lies in the created_ms range
    // below the cutoff: the (state, created_ms) index bounds the walk instead of a separate index
    // on updated_ms that every outcome would have to maintain.
    pruneSent: db.prepare(
      'DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries ' +
        "WHERE state = 'sent' AND created_ms < @cutoff AND updated_ms < @cutoff LIMIT @limit)",
    ),
    pruneAudit: db.prepare(
      'DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at_ms < @cutoff LIMIT @limit)',
    ),
    pruneStates: db.prepare(
      'DELETE FROM finding_states WHERE (rule, key) IN ' +
        '(SELECT rule, key FROM finding_states WHERE last_seen_ms < @cutoff LIMIT @limit)',
    ),
    pruneThreads: db.prepare(
      'DELETE FROM thread_refs WHERE (finding_key, output) IN ' +
        '(SELECT finding_key, output FROM thread_refs WHERE updated_ms < @cutoff LIMIT @limit)',
    ),
  };
}

function storeError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError(`store: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
