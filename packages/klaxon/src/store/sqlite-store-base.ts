import type BetterSqlite3 from 'better-sqlite3';
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
  optionalCount,
  outcomeChange,
  positiveInteger,
  pruneCutoffs,
  quoted,
  silenceToRow,
} from './rows.js';
import { storeError } from './sqlite-connection.js';
import {
  DELIVERY_CORE_BY_ID,
  type PruneKind,
  type WriteArgs,
  type WriteName,
  type WriteResult,
} from './sqlite-writes.js';

type Statement = BetterSqlite3.Statement;

/** Rows per prune write: a large backlog never holds the write lock long enough to stall ingestion. */
const PRUNE_CHUNK = 5000;

/**
 * The Store port over SQLite, shared by both SQLite adapters: arguments are validated and
 * converted to rows here, on the calling thread, and reads run here on `db`. Only how a write
 * reaches the file differs, so subclasses supply `write` (in place, or on a worker thread) and
 * `close`. Reads see committed data: every write whose promise has resolved.
 */
export abstract class SqliteStoreBase implements Store {
  private readonly reads: ReturnType<typeof prepareReads>;
  private readonly listDeliveryStatements = new Map<string, Statement>();
  /** Why calls fail now (closed, or the writer is gone); undefined while the store works. */
  protected stopped: string | undefined;

  /** `db` is the connection reads run on (it may be the writing one too). */
  protected constructor(protected readonly db: BetterSqlite3.Database) {
    this.reads = prepareReads(db);
  }

  /** Runs the write operation `name` in the next group-commit transaction. */
  protected abstract write<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResult<K>>;

  /** Commits the writes still queued, then closes; later calls fail. */
  abstract close(): Promise<void>;

  /** Writes a decision atomically, in the transaction of this turn's group commit. */
  async commit(batch: CommitBatch): Promise<void> {
    this.assertOpen();
    await this.write('commit', commitRows(batch));
  }

  /** The state a rule keeps for a finding key. */
  async findingState(rule: string, key: string): Promise<FindingState | undefined> {
    const row = this.read(() => this.reads.getState.get(rule, key) as { data: string } | undefined);
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
    if (this.read(() => this.reads.anyDue.get({ now: nowMs })) === undefined) return [];
    const rows = await this.write('claim', nowMs, limit, lease);
    return rows.map(deliveryFromRow);
  }

  /** Records a send attempt; a `sent` with a ref becomes the thread reference if none exists. */
  async recordOutcome(id: string, outcome: DeliveryOutcome): Promise<void> {
    this.assertOpen();
    await this.write('recordOutcome', id, outcomeChange(outcome));
  }

  /** Deliveries in creation order, optionally of one state, after the delivery id `after`. */
  async listDeliveries(query: {
    state?: DeliveryState;
    limit?: number;
    after?: string;
  }): Promise<Delivery[]> {
    const limit = query.limit === undefined ? -1 : positiveInteger(query.limit, 'limit');
    return this.read(() =>
      // The cursor row and the page must come from one state of the file.
      this.snapshot(() => {
        let cursor: DeliveryCore | undefined;
        if (query.after !== undefined) {
          cursor = this.reads.getDeliveryCore.get(query.after) as DeliveryCore | undefined;
          if (!cursor) throw badInput(`listDeliveries: unknown cursor ${quoted(query.after)}`);
        }
        const statement = this.listDeliveriesStatement(query.state, cursor !== undefined);
        const rows = statement.all({
          state: query.state ?? null,
          created_ms: cursor?.created_ms ?? null,
          id: cursor?.id ?? null,
          limit,
        }) as DeliveryRow[];
        return rows.map(deliveryFromRow);
      }),
    );
  }

  /** One delivery by id. */
  async getDelivery(id: string): Promise<Delivery | undefined> {
    const row = this.read(() => this.reads.getDelivery.get(id) as DeliveryRow | undefined);
    return row && deliveryFromRow(row);
  }

  /** Makes a dead or pending delivery due now; false for an unknown or already sent one. */
  async retryDelivery(id: string, now: string): Promise<boolean> {
    this.assertOpen();
    instantMs(now, 'now');
    return this.write('retry', id, now);
  }

  /** The first successful send's reference for a finding key on an output. */
  async threadRef(findingKey: string, output: string): Promise<string | undefined> {
    const row = this.read(() => this.reads.getThread.get(findingKey, output) as { ref: string } | undefined);
    return row?.ref;
  }

  /** Groups due at `now` that hold findings, earliest first. */
  async dueGroups(now: string): Promise<Group[]> {
    const nowMs = instantMs(now, 'now');
    return this.read(() =>
      this.snapshot(() =>
        (this.reads.dueGroups.all(nowMs) as GroupRow[]).map((row) =>
          groupFromRow(row, this.reads.groupFindings.all(row.key) as string[]),
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
    await this.write('flushGroup', {
      key,
      flushedAt,
      flushedMs,
      nextFlushAt,
      nextMs,
      deliveries: rows,
      flushed,
    });
  }

  /** Every silence, oldest first. */
  async listSilences(): Promise<Silence[]> {
    return this.read(() => (this.reads.listSilences.all() as string[]).map((data) => JSON.parse(data)));
  }

  /** Creates or replaces a silence by id. */
  async putSilence(silence: Silence): Promise<void> {
    this.assertOpen();
    await this.write('putSilence', silenceToRow(silence, 'silence'));
  }

  /** Deletes a silence; false when there was none. */
  async deleteSilence(id: string): Promise<boolean> {
    this.assertOpen();
    return this.write('deleteSilence', id);
  }

  /** Audit records, newest first. */
  async listAudit(query: { limit?: number }): Promise<AuditRecord[]> {
    const limit = query.limit === undefined ? -1 : positiveInteger(query.limit, 'limit');
    return this.read(() => (this.reads.listAudit.all(limit) as string[]).map((data) => JSON.parse(data)));
  }

  /** Archived events, newest first, optionally of one status. */
  async listEvents(query: { status?: ArchivedEvent['status']; limit?: number }): Promise<ArchivedEvent[]> {
    const limit = query.limit === undefined ? -1 : positiveInteger(query.limit, 'limit');
    return this.read(() => {
      const rows = (
        query.status === undefined
          ? this.reads.listEvents.all(limit)
          : query.status === 'rejected'
            ? this.reads.listRejectedEvents.all(limit)
            : this.reads.listEventsByStatus.all(query.status, limit)
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
      const counts = new Map(this.reads.rowCounts.all() as [string, number][]);
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
   * lock (and with it the writing thread) long enough to stall ingestion.
   */
  async prune(now: string, retention: Retention): Promise<number> {
    this.assertOpen();
    const cutoffs = pruneCutoffs(now, retention);
    const steps: [PruneKind, number | undefined][] = [
      ['events', cutoffs.events],
      ['sent', cutoffs.sentDeliveries],
      ['audit', cutoffs.audit],
      ['states', cutoffs.findingStates],
      ['threads', cutoffs.findingStates],
    ];
    let removed = 0;
    for (const [kind, cutoff] of steps) {
      if (cutoff === undefined) continue;
      for (;;) {
        const changes = await this.write('prune', kind, cutoff, PRUNE_CHUNK);
        removed += changes;
        if (changes < PRUNE_CHUNK) break;
      }
    }
    return removed;
  }

  /** Throws the StoreError every call gets once the store is closed or its writer is gone. */
  protected assertOpen(): void {
    if (this.stopped !== undefined) throw new StoreError(this.stopped);
  }

  private read<T>(op: () => T): T {
    this.assertOpen();
    try {
      return op();
    } catch (error) {
      throw storeError(error);
    }
  }

  // Several statements that must see one state of the file, even while another connection writes.
  private snapshot<T>(op: () => T): T {
    return this.db.transaction(op).deferred();
  }

  private listDeliveriesStatement(state: DeliveryState | undefined, afterCursor: boolean): Statement {
    // Pending and dead rows have partial indexes (migration 5) that only a query naming the state
    // as a literal can use; sent rows (most of the table) are found walking deliveries_by_created.
    const indexed = state === 'pending' || state === 'dead' ? state : undefined;
    const byState =
      indexed === undefined ? (state === undefined ? '' : 'd.state = @state') : `d.state = '${indexed}'`;
    const key = `${byState}/${afterCursor}`;
    let statement = this.listDeliveryStatements.get(key);
    if (!statement) {
      const where = [byState, afterCursor ? '(d.created_ms, d.id) > (@created_ms, @id)' : '']
        .filter(Boolean)
        .join(' AND ');
      statement = this.db.prepare(
        'SELECT d.*, b.notification FROM deliveries d JOIN delivery_bodies b ON b.seq = d.seq ' +
          `${where ? `WHERE ${where}` : ''} ORDER BY d.created_ms, d.id LIMIT @limit`,
      );
      this.listDeliveryStatements.set(key, statement);
    }
    return statement;
  }
}

function prepareReads(db: BetterSqlite3.Database) {
  return {
    getState: db.prepare('SELECT data FROM finding_states WHERE rule = ? AND key = ?'),
    getDelivery: db.prepare(
      'SELECT d.*, b.notification FROM deliveries d JOIN delivery_bodies b ON b.seq = d.seq WHERE d.id = ?',
    ),
    getDeliveryCore: db.prepare(DELIVERY_CORE_BY_ID),
    anyDue: db.prepare(
      "SELECT 1 FROM deliveries INDEXED BY deliveries_due WHERE state = 'pending' AND claimable_ms <= @now LIMIT 1",
    ),
    getThread: db.prepare('SELECT ref FROM thread_refs WHERE finding_key = ? AND output = ?'),
    dueGroups: db.prepare(
      'SELECT * FROM digest_groups g WHERE flush_ms <= ? ' +
        'AND EXISTS (SELECT 1 FROM group_findings f WHERE f.group_key = g.key) ORDER BY flush_ms, key',
    ),
    groupFindings: db.prepare('SELECT finding FROM group_findings WHERE group_key = ? ORDER BY seq').pluck(),
    listSilences: db.prepare('SELECT data FROM silences ORDER BY created_ms, id').pluck(),
    listAudit: db.prepare('SELECT data FROM audit ORDER BY at_ms DESC, seq DESC LIMIT ?').pluck(),
    listEvents: db.prepare('SELECT * FROM events ORDER BY received_ms DESC, seq DESC LIMIT ?'),
    // Accepted events (nearly all of them) walk events_by_time; rejected ones have a partial
    // index (migration 5), which only a query naming the status as a literal can use.
    listEventsByStatus: db.prepare(
      'SELECT * FROM events INDEXED BY events_by_time WHERE status = ? ORDER BY received_ms DESC, seq DESC LIMIT ?',
    ),
    listRejectedEvents: db.prepare(
      "SELECT * FROM events WHERE status = 'rejected' ORDER BY received_ms DESC, seq DESC LIMIT ?",
    ),
    // Kept by triggers (migration 3), so stats() does not count rows.
    rowCounts: db.prepare('SELECT name, n FROM row_counts').raw(),
  };
}
