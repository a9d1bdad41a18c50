import type { Finding, Severity } from '../findings/finding.js';
import type { Notification, NotificationKind } from '../route/notification.js';

/**
 * The store ports. route/ and deliver/ see only these; adapters live beside this file
 * (memory.ts for tests, sqlite.ts for `klaxon serve`, dynamodb.ts for AWS). Every method is async
 * so that every adapter, including the remote one, fits. Times are ISO-8601 UTC strings.
 */

/** One inbound event as received, accepted or rejected; kept for history and replay. */
export interface ArchivedEvent {
  /** Klaxon's receipt id (unique per receipt, not the EventBridge id). */
  readonly id: string;
  /** The EventBridge event id, when the body had one. */
  readonly eventId?: string;
  readonly receivedAt: string;
  readonly via: 'http' | 'sns' | 'cli' | 'sqs';
  readonly status: 'accepted' | 'rejected';
  /** For rejected events: why, in the words returned to the sender. */
  readonly reason?: string;
  /** The body text (rejected bodies truncated to 4 KiB). */
  readonly body: string;
}

/** What a rule last said about a finding: the memory behind dedup and re-notify. */
export interface FindingState {
  readonly rule: string;
  readonly key: string;
  readonly firstNotifiedAt: string;
  readonly lastNotifiedAt: string;
  /** Last time the finding was seen at all (notified or not). */
  readonly lastSeenAt: string;
  readonly severity: Severity;
  readonly count: number;
  readonly lastKind: NotificationKind;
  readonly notifications: number;
  /** Workflow status / record state last seen, to spot resolution and Klaxon's own writes. */
  readonly status?: string;
}

export type DeliveryState = 'pending' | 'sent' | 'dead';

/** One notification on its way to one output: the outbox row. */
export interface Delivery {
  /** The idempotency key: equal to `notification.id`. */
  readonly id: string;
  readonly output: string;
  readonly rule: string;
  /** The finding key the thread reference is kept under (first finding for digests). */
  readonly findingKey: string;
  readonly notification: Notification;
  readonly state: DeliveryState;
  readonly attempts: number;
  /** When it may next be tried (pending) — workers claim rows with `nextAttemptAt <= now`. */
  readonly nextAttemptAt: string;
  /**
   * Written only: committed already leased until this time, because the committing process
   * attempts the delivery itself (no claim round trip); other workers may claim it only after.
   * Stores do not return it.
   */
  readonly leasedUntil?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastError?: string;
  /** Reference returned by the output on success (Slack `ts`, message id). */
  readonly ref?: string;
}

/** A group of findings waiting to be flushed as one digest (Alertmanager's aggregation group). */
export interface Group {
  /** `rule` + the `by` label values, stable. */
  readonly key: string;
  readonly rule: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Findings added since the last flush, in arrival order. */
  readonly pending: readonly Finding[];
  /** When the group is next due to flush (first: now + wait; then: last flush + interval). */
  readonly flushAt: string;
  readonly lastFlushedAt?: string;
}

/** A silence: matching findings are recorded as silenced instead of announced. */
export interface Silence {
  readonly id: string;
  /** An EventBridge event pattern, matched against the raw event like a rule. */
  readonly pattern: unknown;
  readonly from?: string;
  readonly until: string;
  readonly reason: string;
  readonly author?: string;
  readonly createdAt: string;
  readonly origin: 'config' | 'api';
}

/** Who did what to what, when, with what result: every automated action and every operator change. */
export interface AuditRecord {
  readonly id: string;
  readonly at: string;
  /** Rule name for automated actions; the API/CLI user for operator changes. */
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly dryRun: boolean;
  readonly result: 'planned' | 'succeeded' | 'failed' | 'skipped';
  readonly detail: unknown;
}

/** A routing decision's writes, committed atomically: the event is acknowledged only after this resolves. */
export interface CommitBatch {
  readonly events?: readonly ArchivedEvent[];
  readonly states?: readonly FindingState[];
  readonly deliveries?: readonly Delivery[];
  /** Findings to append to groups (a group is created with `flushAt` when it does not exist). */
  readonly groupAdds?: readonly {
    readonly key: string;
    readonly rule: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly finding: Finding;
    readonly flushAt: string;
  }[];
  readonly audit?: readonly AuditRecord[];
}

/** The outcome of one send attempt, recorded by deliver/. */
export type DeliveryOutcome =
  | { readonly kind: 'sent'; readonly at: string; readonly ref?: string }
  | { readonly kind: 'retry'; readonly at: string; readonly error: string; readonly nextAttemptAt: string }
  | { readonly kind: 'dead'; readonly at: string; readonly error: string };

/** How long history is kept; `undefined` keeps forever. */
export interface Retention {
  readonly events?: number; // milliseconds
  readonly sentDeliveries?: number;
  readonly audit?: number;
  readonly findingStates?: number;
}

/** The whole persistence port. */
export interface Store {
  /** Writes a decision atomically (all or nothing). Idempotent on delivery id: an existing id is kept. */
  commit(batch: CommitBatch): Promise<void>;

  findingState(rule: string, key: string): Promise<FindingState | undefined>;

  /**
   * Takes up to `limit` pending deliveries due at `now` and leases them for `leaseMs`, so that a
   * second worker does not take them; a lease that expires (crash) makes them due again.
   */
  claimDeliveries(now: string, limit: number, leaseMs: number): Promise<Delivery[]>;
  /** Records a send attempt's outcome; `sent` also stores `ref` as the thread reference. */
  recordOutcome(id: string, outcome: DeliveryOutcome): Promise<void>;
  listDeliveries(query: { state?: DeliveryState; limit?: number; after?: string }): Promise<Delivery[]>;
  getDelivery(id: string): Promise<Delivery | undefined>;
  /** Moves a dead (or pending) delivery back to pending, due now. False when no such delivery. */
  retryDelivery(id: string, now: string): Promise<boolean>;
  /** The thread reference of the first successful send for a finding key and output. */
  threadRef(findingKey: string, output: string): Promise<string | undefined>;

  /** Groups whose `flushAt <= now` and that hold pending findings. */
  dueGroups(now: string): Promise<Group[]>;
  /**
   * Atomically empties a group's pending list, sets its next `flushAt` (or deletes it when
   * `nextFlushAt` is undefined) and enqueues the digest deliveries.
   *
   * `flushed` (optional, added by the store work) is how many pending findings the digest holds —
   * the length of `pending` that `dueGroups` returned. Only those first findings are removed:
   * findings appended between `dueGroups` and this call stay pending instead of vanishing, and
   * if the group was to be deleted it is kept, due at `flushedAt`, until they are flushed too.
   * Omitted: every pending finding is removed. Unknown group: a StoreError, nothing written.
   */
  flushGroup(
    key: string,
    flushedAt: string,
    nextFlushAt: string | undefined,
    deliveries: readonly Delivery[],
    flushed?: number,
  ): Promise<void>;

  listSilences(): Promise<Silence[]>;
  putSilence(silence: Silence): Promise<void>;
  deleteSilence(id: string): Promise<boolean>;

  listAudit(query: { limit?: number }): Promise<AuditRecord[]>;
  listEvents(query: { status?: ArchivedEvent['status']; limit?: number }): Promise<ArchivedEvent[]>;

  /** Counts for /metrics and the web page. */
  stats(): Promise<{
    deliveries: Record<DeliveryState, number>;
    events: Record<ArchivedEvent['status'], number>;
  }>;

  /** Deletes history older than the retention settings; returns rows removed. */
  prune(now: string, retention: Retention): Promise<number>;
  close(): Promise<void>;
}
