import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';
import {
  badInput,
  type CommitRows,
  type DeliveryCore,
  type DeliveryRow,
  type OutcomeChange,
  quoted,
  retryUpdate,
  type SilenceRow,
} from './rows.js';
import { messageOf, storeError } from './sqlite-connection.js';

/*
 * Everything that writes to the SQLite file, on whichever connection and thread owns it: the
 * prepared statements, the write operations (functions of flat rows and plain values only, so
 * that they can run in a worker thread as well as in place), and the group commit.
 */

const DELIVERY_COLUMNS =
  'id, output, rule, finding_key, state, attempts, next_attempt_at, next_attempt_ms, ' +
  'claimable_ms, created_at, created_ms, updated_at, updated_ms, last_error, ref';

/**
 * Due pending deliveries, earliest first. Without statistics the planner prefers a (state, …)
 * index and sorts every pending row; the partial due index reads only the rows it returns, in order.
 */
const DUE_DELIVERIES =
  "deliveries INDEXED BY deliveries_due WHERE state = 'pending' AND claimable_ms <= @now " +
  'ORDER BY claimable_ms, id LIMIT @limit';

/** A delivery row without its body, by id. */
export const DELIVERY_CORE_BY_ID = 'SELECT * FROM deliveries WHERE id = ?';

/** The history kinds `prune` removes, each by its own statement. */
export type PruneKind = 'events' | 'sent' | 'audit' | 'states' | 'threads';

function prepareWrites(db: BetterSqlite3.Database) {
  const values = DELIVERY_COLUMNS.split(', ')
    .map((column) => `@${column}`)
    .join(', ');
  return {
    insertEvent: db.prepare(
      'INSERT INTO events (id, event_id, received_at, received_ms, via, status, reason, body) ' +
        'VALUES (@id, @event_id, @received_at, @received_ms, @via, @status, @reason, @body)',
    ),
    upsertState: db.prepare(
      'INSERT INTO finding_states (rule, key, last_seen_ms, data) VALUES (@rule, @key, @last_seen_ms, @data) ' +
        'ON CONFLICT (rule, key) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, data = excluded.data',
    ),
    insertDelivery: db.prepare(
      `INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES (${values}) ON CONFLICT (id) DO NOTHING`,
    ),
    insertBody: db.prepare('INSERT INTO delivery_bodies (seq, notification) VALUES (?, ?)'),
    getDeliveryCore: db.prepare(DELIVERY_CORE_BY_ID),
    dueDeliveries: db.prepare(
      `SELECT d.*, b.notification FROM (SELECT * FROM ${DUE_DELIVERIES}) d JOIN delivery_bodies b ON b.seq = d.seq ` +
        'ORDER BY d.claimable_ms, d.id',
    ),
    leaseDeliveries: db.prepare(
      `UPDATE deliveries SET claimable_ms = @until WHERE id IN (SELECT id FROM ${DUE_DELIVERIES})`,
    ),
    // The outcome's change (rows.ts applyOutcome, said in SQL) in one statement: reading the row
    // first cost as much as the update itself. A sent row is final, so it does not match.
    recordOutcome: db.prepare(
      'UPDATE deliveries SET state = @state, attempts = attempts + 1, ' +
        'next_attempt_at = coalesce(@next_attempt_at, next_attempt_at), ' +
        'next_attempt_ms = coalesce(@next_attempt_ms, next_attempt_ms), ' +
        'claimable_ms = coalesce(@next_attempt_ms, next_attempt_ms), ' +
        'updated_at = @updated_at, updated_ms = @updated_ms, last_error = coalesce(@last_error, last_error), ' +
        "ref = CASE WHEN @set_ref THEN @ref ELSE ref END WHERE id = @id AND state <> 'sent' " +
        'RETURNING finding_key, output, ref',
    ),
    deliveryExists: db.prepare('SELECT 1 FROM deliveries WHERE id = ?').pluck(),
    updateDelivery: db.prepare(
      'UPDATE deliveries SET state = @state, attempts = @attempts, next_attempt_at = @next_attempt_at, ' +
        'next_attempt_ms = @next_attempt_ms, claimable_ms = @claimable_ms, updated_at = @updated_at, ' +
        'updated_ms = @updated_ms, last_error = @last_error, ref = @ref WHERE id = @id',
    ),
    touchThread: db.prepare(
      'INSERT INTO thread_refs (finding_key, output, ref, updated_ms) VALUES (@finding_key, @output, @ref, @updated_ms) ' +
        'ON CONFLICT (finding_key, output) DO UPDATE SET updated_ms = max(updated_ms, excluded.updated_ms)',
    ),
    createGroup: db.prepare(
      'INSERT INTO digest_groups (key, rule, labels, flush_at, flush_ms, last_flushed_at) ' +
        'VALUES (@key, @rule, @labels, @flush_at, @flush_ms, @last_flushed_at) ON CONFLICT (key) DO NOTHING',
    ),
    appendFinding: db.prepare('INSERT INTO group_findings (group_key, finding) VALUES (?, ?)'),
    getGroup: db.prepare('SELECT key FROM digest_groups WHERE key = ?'),
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
    putSilence: db.prepare(
      'INSERT INTO silences (id, created_ms, data) VALUES (@id, @created_ms, @data) ' +
        'ON CONFLICT (id) DO UPDATE SET created_ms = excluded.created_ms, data = excluded.data',
    ),
    deleteSilence: db.prepare('DELETE FROM silences WHERE id = ?'),
    insertAudit: db.prepare('INSERT INTO audit (id, at_ms, data) VALUES (@id, @at_ms, @data)'),
    prune: {
      events: db.prepare(
        'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE received_ms < @cutoff LIMIT @limit)',
      ),
      // A delivery is created before it is sent, so every prunable row lies in the created_ms range
      // below the cutoff: the (state, created_ms) index bounds the walk instead of a separate index
      // on updated_ms that every outcome would have to maintain.
      sent: db.prepare(
        'DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries ' +
          "WHERE state = 'sent' AND created_ms < @cutoff AND updated_ms < @cutoff LIMIT @limit)",
      ),
      audit: db.prepare(
        'DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at_ms < @cutoff LIMIT @limit)',
      ),
      states: db.prepare(
        'DELETE FROM finding_states WHERE (rule, key) IN ' +
          '(SELECT rule, key FROM finding_states WHERE last_seen_ms < @cutoff LIMIT @limit)',
      ),
      threads: db.prepare(
        'DELETE FROM thread_refs WHERE (finding_key, output) IN ' +
          '(SELECT finding_key, output FROM thread_refs WHERE updated_ms < @cutoff LIMIT @limit)',
      ),
    } satisfies Record<PruneKind, BetterSqlite3.Statement>,
  };
}

/** What `flushGroup` writes, validated and converted by the caller. */
export interface FlushRows {
  readonly key: string;
  readonly flushedAt: string;
  readonly flushedMs: number;
  readonly nextFlushAt: string | undefined;
  readonly nextMs: number | undefined;
  readonly deliveries: readonly DeliveryRow[];
  readonly flushed: number | undefined;
}

/**
 * The write operations on one connection. Each runs inside the group's transaction; arguments and
 * results are flat rows and plain values, so a worker thread can take them and send them back.
 */
export function writeOps(db: BetterSqlite3.Database) {
  const sql = prepareWrites(db);
  // Idempotent on id: a delivery committed again (a retried request) keeps its first row and body.
  const insertDelivery = (row: DeliveryRow): void => {
    const inserted = sql.insertDelivery.run(row);
    if (inserted.changes > 0) sql.insertBody.run(inserted.lastInsertRowid, row.notification);
  };
  return {
    commit(rows: CommitRows): void {
      for (const row of rows.events) sql.insertEvent.run(row);
      for (const row of rows.states) sql.upsertState.run(row);
      for (const row of rows.deliveries) insertDelivery(row);
      for (const add of rows.groupAdds) {
        sql.createGroup.run(add.group);
        sql.appendFinding.run(add.group.key, add.finding);
      }
      for (const row of rows.audit) sql.insertAudit.run(row);
    },

    // Inside BEGIN IMMEDIATE: no other connection can write between the select and the update.
    claim(nowMs: number, limit: number, leaseMs: number): DeliveryRow[] {
      const rows = sql.dueDeliveries.all({ now: nowMs, limit }) as DeliveryRow[];
      sql.leaseDeliveries.run({ now: nowMs, limit, until: nowMs + leaseMs });
      return rows;
    },

    recordOutcome(id: string, change: OutcomeChange): void {
      const row = sql.recordOutcome.get({ id, ...change }) as
        | { finding_key: string; output: string; ref: string | null }
        | undefined;
      if (!row) {
        // Nothing updated: unknown (an error), or already sent (final, so nothing to do).
        if (sql.deliveryExists.get(id) === undefined)
          throw badInput(`recordOutcome: no delivery ${quoted(id)}`);
        return;
      }
      if (change.state === 'sent' && row.ref !== null) {
        sql.touchThread.run({
          finding_key: row.finding_key,
          output: row.output,
          ref: row.ref,
          updated_ms: change.updated_ms,
        });
      }
    },

    retry(id: string, now: string): boolean {
      const row = sql.getDeliveryCore.get(id) as DeliveryCore | undefined;
      if (!row) return false;
      const update = retryUpdate(row, now);
      if (!update) return false;
      sql.updateDelivery.run({ id, ...update });
      return true;
    },

    flushGroup(flush: FlushRows): void {
      const { key } = flush;
      if (!sql.getGroup.get(key)) throw badInput(`flushGroup: no group ${quoted(key)}`);
      if (flush.flushed === undefined) sql.clearGroup.run(key);
      else sql.dropFirstFindings.run(key, flush.flushed);
      const remaining = sql.countGroupFindings.get(key) as number;
      if (flush.nextFlushAt === undefined && remaining === 0) {
        sql.deleteGroup.run(key);
      } else {
        sql.rescheduleGroup.run({
          key,
          flush_at: flush.nextFlushAt ?? flush.flushedAt,
          flush_ms: flush.nextMs ?? flush.flushedMs,
          last_flushed_at: flush.flushedAt,
        });
      }
      for (const row of flush.deliveries) insertDelivery(row);
    },

    putSilence(row: SilenceRow): void {
      sql.putSilence.run(row);
    },

    deleteSilence(id: string): boolean {
      return sql.deleteSilence.run(id).changes > 0;
    },

    /** Removes up to `limit` rows of one kind older than `cutoff`; returns how many. */
    prune(kind: PruneKind, cutoff: number, limit: number): number {
      return sql.prune[kind].run({ cutoff, limit }).changes;
    },
  };
}

/** The write operations, by name. */
export type WriteOps = ReturnType<typeof writeOps>;
/** The name of a write operation. */
export type WriteName = keyof WriteOps;
/** The arguments of a write operation. */
export type WriteArgs<K extends WriteName> = Parameters<WriteOps[K]>;
/** The result of a write operation. */
export type WriteResult<K extends WriteName> = ReturnType<WriteOps[K]>;

/** Runs the write operation `name` with `args` (the one place that dispatches by name). */
export function runWrite<K extends WriteName>(ops: WriteOps, name: K, args: WriteArgs<K>): WriteResult<K> {
  return (ops[name] as (...a: WriteArgs<K>) => WriteResult<K>)(...args);
}

/** One write waiting for the group's transaction. */
export interface QueuedWrite {
  readonly op: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: StoreError) => void;
}

type Settled =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/**
 * Group commit: every write queued during one event-loop turn runs in ONE transaction (so one
 * fsync however many writes arrived together). A write that fails rolls back alone and rejects
 * alone (the group is then run again with a savepoint per write). A write is settled only after
 * that transaction is committed. Writes apply in queue order.
 */
export class GroupCommit {
  private queue: QueuedWrite[] = [];
  private drainScheduled = false;
  private readonly writeAll: (items: readonly QueuedWrite[], results: Settled[]) => void;

  /** `afterDrain` runs after every group has been settled (the worker thread sends its replies then). */
  constructor(
    db: BetterSqlite3.Database,
    private readonly afterDrain?: () => void,
  ) {
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

  /** Queues a write for this turn's transaction. */
  push(write: QueuedWrite): void {
    this.queue.push(write);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Commits what is queued now (also called by close, so nothing queued is dropped). */
  drain(): void {
    this.drainScheduled = false;
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;
    this.settle(items);
    this.afterDrain?.();
  }

  private settle(items: readonly QueuedWrite[]): void {
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
}
