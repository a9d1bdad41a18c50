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
  type AuditRow,
  applyOutcome,
  badInput,
  commitRows,
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
  outcomeChange,
  positiveInteger,
  pruneCutoffs,
  quoted,
  retryUpdate,
  type SilenceRow,
  type StateRow,
  silenceToRow,
} from './rows.js';

interface Sequenced<T> {
  readonly seq: number;
  readonly row: T;
}

interface GroupEntry {
  row: GroupRow;
  pending: string[];
}

interface ThreadEntry {
  readonly ref: string;
  updatedMs: number;
}

/**
 * The in-memory store, for tests and dry runs. It keeps the same rows as the SQLite adapter
 * (see rows.ts) and passes the same shared suite: commits are all-or-nothing, delivery ids are
 * idempotent, leases expire, retention prunes the same rows. Nothing survives the process.
 */
export class MemoryStore implements Store {
  // Insertion counters break ties between rows with equal times, like SQLite's rowid.
  private seq = 0;
  private readonly events = new Map<string, Sequenced<EventRow>>();
  private readonly states = new Map<string, StateRow>();
  private readonly deliveries = new Map<string, DeliveryRow>();
  private readonly threads = new Map<string, ThreadEntry>();
  private readonly groups = new Map<string, GroupEntry>();
  private readonly silences = new Map<string, SilenceRow>();
  private readonly audit = new Map<string, Sequenced<AuditRow>>();
  private closed = false;

  /** Writes a decision atomically: every row is validated and checked before the first is stored. */
  async commit(batch: CommitBatch): Promise<void> {
    this.open();
    const rows = commitRows(batch);
    uniqueIds(rows.events, this.events, 'events');
    uniqueIds(rows.audit, this.audit, 'audit');
    for (const row of rows.events) this.events.set(row.id, { seq: ++this.seq, row });
    for (const row of rows.states) this.states.set(stateKey(row.rule, row.key), row);
    this.enqueue(rows.deliveries);
    for (const add of rows.groupAdds) {
      const entry = this.groups.get(add.group.key);
      if (entry) entry.pending.push(add.finding);
      else this.groups.set(add.group.key, { row: add.group, pending: [add.finding] });
    }
    for (const row of rows.audit) this.audit.set(row.id, { seq: ++this.seq, row });
  }

  /** The state a rule keeps for a finding key. */
  async findingState(rule: string, key: string): Promise<FindingState | undefined> {
    this.open();
    const row = this.states.get(stateKey(rule, key));
    return row && JSON.parse(row.data);
  }

  /** Leases up to `limit` due pending deliveries, earliest first. */
  async claimDeliveries(now: string, limit: number, leaseMs: number): Promise<Delivery[]> {
    this.open();
    const nowMs = instantMs(now, 'now');
    positiveInteger(limit, 'limit');
    const lease = leaseLength(leaseMs, 'leaseMs');
    const due = [...this.deliveries.values()]
      .filter((row) => row.state === 'pending' && row.claimable_ms <= nowMs)
      .sort((a, b) => a.claimable_ms - b.claimable_ms || compareText(a.id, b.id))
      .slice(0, limit);
    for (const row of due) this.deliveries.set(row.id, { ...row, claimable_ms: nowMs + lease });
    return due.map(deliveryFromRow);
  }

  /** Records a send attempt; a `sent` with a ref becomes the thread reference if none exists. */
  async recordOutcome(id: string, outcome: DeliveryOutcome): Promise<void> {
    this.open();
    const change = outcomeChange(outcome);
    const row = this.deliveries.get(id);
    if (!row) throw badInput(`recordOutcome: no delivery ${quoted(id)}`);
    const update = applyOutcome(row, change);
    if (!update) return;
    this.deliveries.set(id, { ...row, ...update });
    if (update.state === 'sent' && update.ref !== null) {
      const key = threadKey(row.finding_key, row.output);
      const atMs = change.updated_ms;
      const thread = this.threads.get(key);
      if (thread) thread.updatedMs = Math.max(thread.updatedMs, atMs);
      else this.threads.set(key, { ref: update.ref, updatedMs: atMs });
    }
  }

  /** Deliveries in creation order, optionally of one state, after the delivery id `after`. */
  async listDeliveries(query: {
    state?: DeliveryState;
    limit?: number;
    after?: string;
  }): Promise<Delivery[]> {
    this.open();
    const limit =
      query.limit === undefined ? Number.POSITIVE_INFINITY : positiveInteger(query.limit, 'limit');
    let cursor: DeliveryRow | undefined;
    if (query.after !== undefined) {
      cursor = this.deliveries.get(query.after);
      if (!cursor) throw badInput(`listDeliveries: unknown cursor ${quoted(query.after)}`);
    }
    const after = cursor;
    return [...this.deliveries.values()]
      .filter((row) => query.state === undefined || row.state === query.state)
      .filter((row) => !after || compareCreated(row, after) > 0)
      .sort(compareCreated)
      .slice(0, limit)
      .map(deliveryFromRow);
  }

  /** One delivery by id. */
  async getDelivery(id: string): Promise<Delivery | undefined> {
    this.open();
    const row = this.deliveries.get(id);
    return row && deliveryFromRow(row);
  }

  /** Makes a dead or pending delivery due now; false for an unknown or already sent one. */
  async retryDelivery(id: string, now: string): Promise<boolean> {
    this.open();
    instantMs(now, 'now');
    const row = this.deliveries.get(id);
    if (!row) return false;
    const update: OutcomeUpdate | undefined = retryUpdate(row, now);
    if (!update) return false;
    this.deliveries.set(id, { ...row, ...update });
    return true;
  }

  /** The first successful send's reference for a finding key on an output. */
  async threadRef(findingKey: string, output: string): Promise<string | undefined> {
    this.open();
    return this.threads.get(threadKey(findingKey, output))?.ref;
  }

  /** Groups due at `now` that hold findings, earliest first. */
  async dueGroups(now: string): Promise<Group[]> {
    this.open();
    const nowMs = instantMs(now, 'now');
    return [...this.groups.values()]
      .filter((entry) => entry.row.flush_ms <= nowMs && entry.pending.length > 0)
      .sort((a, b) => a.row.flush_ms - b.row.flush_ms || compareText(a.row.key, b.row.key))
      .map((entry) => groupFromRow(entry.row, entry.pending));
  }

  /** Empties (the first `flushed` findings of) a group and enqueues its digest, all at once. */
  async flushGroup(
    key: string,
    flushedAt: string,
    nextFlushAt: string | undefined,
    deliveries: readonly Delivery[],
    flushed?: number,
  ): Promise<void> {
    this.open();
    const flushedMs = instantMs(flushedAt, 'flushedAt');
    const nextMs = nextFlushAt === undefined ? undefined : instantMs(nextFlushAt, 'nextFlushAt');
    const rows = deliveryRows(deliveries, 'deliveries');
    optionalCount(flushed, 'flushed');
    const entry = this.groups.get(key);
    if (!entry) throw badInput(`flushGroup: no group ${quoted(key)}`);
    const remaining = flushed === undefined ? [] : entry.pending.slice(flushed);
    if (nextFlushAt === undefined && remaining.length === 0) {
      this.groups.delete(key);
    } else {
      entry.pending = remaining;
      entry.row = {
        ...entry.row,
        flush_at: nextFlushAt ?? flushedAt,
        flush_ms: nextMs ?? flushedMs,
        last_flushed_at: flushedAt,
      };
    }
    this.enqueue(rows);
  }

  /** Every silence, oldest first. */
  async listSilences(): Promise<Silence[]> {
    this.open();
    return [...this.silences.values()]
      .sort((a, b) => a.created_ms - b.created_ms || compareText(a.id, b.id))
      .map((row) => JSON.parse(row.data));
  }

  /** Creates or replaces a silence by id. */
  async putSilence(silence: Silence): Promise<void> {
    this.open();
    const row = silenceToRow(silence, 'silence');
    this.silences.set(row.id, row);
  }

  /** Deletes a silence; false when there was none. */
  async deleteSilence(id: string): Promise<boolean> {
    this.open();
    return this.silences.delete(id);
  }

  /** Audit records, newest first. */
  async listAudit(query: { limit?: number }): Promise<AuditRecord[]> {
    this.open();
    const limit =
      query.limit === undefined ? Number.POSITIVE_INFINITY : positiveInteger(query.limit, 'limit');
    return [...this.audit.values()]
      .sort((a, b) => b.row.at_ms - a.row.at_ms || b.seq - a.seq)
      .slice(0, limit)
      .map((entry) => JSON.parse(entry.row.data));
  }

  /** Archived events, newest first, optionally of one status. */
  async listEvents(query: { status?: ArchivedEvent['status']; limit?: number }): Promise<ArchivedEvent[]> {
    this.open();
    const limit =
      query.limit === undefined ? Number.POSITIVE_INFINITY : positiveInteger(query.limit, 'limit');
    return [...this.events.values()]
      .filter((entry) => query.status === undefined || entry.row.status === query.status)
      .sort((a, b) => b.row.received_ms - a.row.received_ms || b.seq - a.seq)
      .slice(0, limit)
      .map((entry) => eventFromRow(entry.row));
  }

  /** Row counts per delivery state and event status. */
  async stats(): Promise<{
    deliveries: Record<DeliveryState, number>;
    events: Record<ArchivedEvent['status'], number>;
  }> {
    this.open();
    const deliveries: Record<DeliveryState, number> = { pending: 0, sent: 0, dead: 0 };
    for (const row of this.deliveries.values()) deliveries[row.state] += 1;
    const events: Record<ArchivedEvent['status'], number> = { accepted: 0, rejected: 0 };
    for (const entry of this.events.values()) events[entry.row.status] += 1;
    return { deliveries, events };
  }

  /** Deletes history older than the retention; pending and dead deliveries are never pruned. */
  async prune(now: string, retention: Retention): Promise<number> {
    this.open();
    const cutoffs = pruneCutoffs(now, retention);
    let removed = 0;
    const drop = <T>(map: Map<string, T>, older: (value: T) => boolean) => {
      for (const [key, value] of map) {
        if (older(value)) {
          map.delete(key);
          removed += 1;
        }
      }
    };
    const { events, sentDeliveries, audit, findingStates } = cutoffs;
    if (events !== undefined) drop(this.events, (entry) => entry.row.received_ms < events);
    if (sentDeliveries !== undefined) {
      drop(
        this.deliveries,
        (row) => row.state === 'sent' && row.created_ms < sentDeliveries && row.updated_ms < sentDeliveries,
      );
    }
    if (audit !== undefined) drop(this.audit, (entry) => entry.row.at_ms < audit);
    if (findingStates !== undefined) {
      drop(this.states, (row) => row.last_seen_ms < findingStates);
      drop(this.threads, (thread) => thread.updatedMs < findingStates);
    }
    return removed;
  }

  /** Closes the store: later calls fail with a StoreError. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private enqueue(rows: readonly DeliveryRow[]): void {
    // Idempotent on id: the first row with an id wins, later ones (retries of a commit) are ignored.
    for (const row of rows) if (!this.deliveries.has(row.id)) this.deliveries.set(row.id, row);
  }

  private open(): void {
    if (this.closed) throw new StoreError('the store is closed');
  }
}

function uniqueIds(
  rows: readonly { readonly id: string }[],
  existing: Map<string, unknown>,
  what: string,
): void {
  const seen = new Set<string>();
  for (const row of rows) {
    if (existing.has(row.id) || seen.has(row.id)) {
      throw new StoreError(`commit: ${what} id ${quoted(row.id)} is already stored`);
    }
    seen.add(row.id);
  }
}

function stateKey(rule: string, key: string): string {
  return `${rule}\u0000${key}`;
}

function threadKey(findingKey: string, output: string): string {
  return `${findingKey}\u0000${output}`;
}

// UTF-16 code-unit order: SQLite's BINARY collation (UTF-8 bytes) agrees except when characters
// above U+FFFF meet U+E000–U+FFFF, which ids and keys built by Klaxon do not contain.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareCreated(a: DeliveryRow, b: DeliveryRow): number {
  return a.created_ms - b.created_ms || compareText(a.id, b.id);
}
