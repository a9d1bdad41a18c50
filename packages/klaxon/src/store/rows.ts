import { StoreError } from './errors.js';
import { loadedFinding, loadedNotification, storedFinding, storedNotification } from './finding-codec.js';
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
} from './ports.js';

/*
 * The row shapes every adapter stores, and the conversions between port values and rows.
 * The memory adapter keeps exactly these rows, so it behaves like SQLite by construction: the
 * same validation, the same JSON round trip (a returned value never aliases a stored one), the
 * same ordering keys. Times are kept twice: the caller's text (returned unchanged) and epoch
 * milliseconds, because ISO strings with and without fractional seconds do not sort as text.
 */

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'sent', 'dead'];
const EVENT_VIAS: readonly ArchivedEvent['via'][] = ['http', 'sns', 'cli', 'sqs'];
const EVENT_STATUSES: readonly ArchivedEvent['status'][] = ['accepted', 'rejected'];
const AUDIT_RESULTS: readonly AuditRecord['result'][] = ['planned', 'succeeded', 'failed', 'skipped'];
const SILENCE_ORIGINS: readonly Silence['origin'][] = ['config', 'api'];

/** A StoreError blaming the caller's arguments (see `StoreError.badInput`). */
export function badInput(message: string, cause?: unknown): StoreError {
  return new StoreError(message, { cause, badInput: true });
}

/** An id or key for an error message: quoted, and cut, since it may come from an API caller. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Epoch milliseconds of an ISO-8601 instant with a zone; a StoreError naming `path` otherwise. */
export function instantMs(value: unknown, path: string): number {
  if (typeof value === 'string' && ISO_INSTANT.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw badInput(`${path}: expected an ISO-8601 time with a zone, got ${preview(value)}`);
}

/** JSON text of a value that must be storable; a StoreError naming `path` when it is not. */
export function jsonText(value: unknown, path: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw badInput(`${path}: not serializable as JSON`, cause);
  }
  if (text === undefined) throw badInput(`${path}: not serializable as JSON`);
  return text;
}

function preview(value: unknown): string {
  // Only the shape is shown: store inputs can carry finding text, which is attacker controlled.
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw badInput(`${path}: expected a non-empty string`);
  return value;
}

function anyText(value: unknown, path: string): string {
  if (typeof value !== 'string') throw badInput(`${path}: expected a string`);
  return value;
}

function optionalText(value: unknown, path: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') throw badInput(`${path}: expected a string`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw badInput(`${path}: expected one of ${allowed.join(', ')}, got ${preview(value)}`);
}

/** Validates a lease length in milliseconds, rounded up to a whole millisecond. */
export function leaseLength(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.ceil(value);
  throw badInput(`${path}: expected a positive number of milliseconds, got ${String(value)}`);
}

/** Validates an optional count (how many findings a digest flushed). */
export function optionalCount(value: unknown, path: string): number | undefined {
  if (value === undefined || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
    return value;
  }
  throw badInput(`${path}: expected a non-negative integer, got ${String(value)}`);
}

/** Validates a positive integer argument (limits). */
export function positiveInteger(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw badInput(`${path}: expected a positive integer, got ${String(value)}`);
}

/** An archived event as stored. */
export interface EventRow {
  readonly id: string;
  readonly event_id: string | null;
  readonly received_at: string;
  readonly received_ms: number;
  readonly via: ArchivedEvent['via'];
  readonly status: ArchivedEvent['status'];
  readonly reason: string | null;
  readonly body: string;
}

/** Validates an archived event and turns it into its row. */
export function eventToRow(event: ArchivedEvent, path: string): EventRow {
  if (typeof event.body !== 'string') throw badInput(`${path}.body: expected a string`);
  return {
    id: text(event.id, `${path}.id`),
    event_id: optionalText(event.eventId, `${path}.eventId`),
    received_at: event.receivedAt,
    received_ms: instantMs(event.receivedAt, `${path}.receivedAt`),
    via: oneOf(event.via, EVENT_VIAS, `${path}.via`),
    status: oneOf(event.status, EVENT_STATUSES, `${path}.status`),
    reason: optionalText(event.reason, `${path}.reason`),
    body: event.body,
  };
}

/** The archived event a row holds. */
export function eventFromRow(row: EventRow): ArchivedEvent {
  return {
    id: row.id,
    ...(row.event_id === null ? {} : { eventId: row.event_id }),
    receivedAt: row.received_at,
    via: row.via,
    status: row.status,
    ...(row.reason === null ? {} : { reason: row.reason }),
    body: row.body,
  };
}

/** A finding state as stored: the whole state as JSON plus its keys. */
export interface StateRow {
  readonly rule: string;
  readonly key: string;
  readonly last_seen_ms: number;
  readonly data: string;
}

/** Validates a finding state and turns it into its row. */
export function stateToRow(state: FindingState, path: string): StateRow {
  instantMs(state.firstNotifiedAt, `${path}.firstNotifiedAt`);
  instantMs(state.lastNotifiedAt, `${path}.lastNotifiedAt`);
  return {
    rule: text(state.rule, `${path}.rule`),
    key: text(state.key, `${path}.key`),
    last_seen_ms: instantMs(state.lastSeenAt, `${path}.lastSeenAt`),
    data: jsonText(state, path),
  };
}

/** An outbox row. `claimable_ms` is when a worker may take it: the next attempt, or a lease's end. */
export interface DeliveryRow {
  readonly id: string;
  readonly output: string;
  readonly rule: string;
  readonly finding_key: string;
  readonly notification: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly next_attempt_at: string;
  readonly next_attempt_ms: number;
  readonly claimable_ms: number;
  readonly created_at: string;
  readonly created_ms: number;
  readonly updated_at: string;
  readonly updated_ms: number;
  readonly last_error: string | null;
  readonly ref: string | null;
}

/** Validates a delivery and turns it into its row. */
export function deliveryToRow(delivery: Delivery, path: string): DeliveryRow {
  const id = text(delivery.id, `${path}.id`);
  if (delivery.notification?.id !== id) {
    throw badInput(`${path}.notification.id: must equal the delivery id (the idempotency key)`);
  }
  if (!Number.isSafeInteger(delivery.attempts) || delivery.attempts < 0) {
    throw badInput(`${path}.attempts: expected a non-negative integer`);
  }
  const nextMs = instantMs(delivery.nextAttemptAt, `${path}.nextAttemptAt`);
  const leasedMs =
    delivery.leasedUntil === undefined ? nextMs : instantMs(delivery.leasedUntil, `${path}.leasedUntil`);
  return {
    id,
    output: text(delivery.output, `${path}.output`),
    rule: text(delivery.rule, `${path}.rule`),
    finding_key: text(delivery.findingKey, `${path}.findingKey`),
    notification: jsonText(storedNotification(delivery.notification), `${path}.notification`),
    state: oneOf(delivery.state, DELIVERY_STATES, `${path}.state`),
    attempts: delivery.attempts,
    next_attempt_at: delivery.nextAttemptAt,
    next_attempt_ms: nextMs,
    claimable_ms: Math.max(nextMs, leasedMs),
    created_at: delivery.createdAt,
    created_ms: instantMs(delivery.createdAt, `${path}.createdAt`),
    updated_at: delivery.updatedAt,
    updated_ms: instantMs(delivery.updatedAt, `${path}.updatedAt`),
    last_error: optionalText(delivery.lastError, `${path}.lastError`),
    ref: optionalText(delivery.ref, `${path}.ref`),
  };
}

/** The delivery a row holds. */
export function deliveryFromRow(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    output: row.output,
    rule: row.rule,
    findingKey: row.finding_key,
    notification: loadedNotification(JSON.parse(row.notification)),
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.ref === null ? {} : { ref: row.ref }),
  };
}

/** A delivery row without its notification body: all that state changes need to read. */
export type DeliveryCore = Omit<DeliveryRow, 'notification'>;

/** The fields of a delivery row that an outcome changes. */
export type OutcomeUpdate = Pick<
  DeliveryRow,
  | 'state'
  | 'attempts'
  | 'next_attempt_at'
  | 'next_attempt_ms'
  | 'claimable_ms'
  | 'updated_at'
  | 'updated_ms'
  | 'last_error'
  | 'ref'
>;

/**
 * What an outcome writes, whatever row it lands on: new values, or `null` for "keep the row's".
 * Every outcome also counts an attempt and makes the row claimable at its (new or kept) next
 * attempt. Being row-independent, it is validated on the calling thread and applied by the SQLite
 * adapter in one UPDATE (no read first); `applyOutcome` applies it to a row in memory.
 */
export interface OutcomeChange {
  readonly state: DeliveryState;
  readonly updated_at: string;
  readonly updated_ms: number;
  readonly next_attempt_at: string | null;
  readonly next_attempt_ms: number | null;
  readonly last_error: string | null;
  /** 1: `ref` replaces the row's reference (a `sent` without one clears it); 0: the row's stays. */
  readonly set_ref: 0 | 1;
  readonly ref: string | null;
}

/** Validates an outcome and turns it into the change it makes (a bad-input StoreError otherwise). */
export function outcomeChange(outcome: DeliveryOutcome): OutcomeChange {
  const common = { updated_at: outcome.at, updated_ms: instantMs(outcome.at, 'outcome.at') };
  switch (outcome.kind) {
    case 'sent':
      return {
        ...common,
        state: 'sent',
        next_attempt_at: null,
        next_attempt_ms: null,
        last_error: null,
        set_ref: 1,
        ref: optionalText(outcome.ref, 'outcome.ref'),
      };
    case 'retry':
      return {
        ...common,
        state: 'pending',
        next_attempt_at: outcome.nextAttemptAt,
        next_attempt_ms: instantMs(outcome.nextAttemptAt, 'outcome.nextAttemptAt'),
        last_error: anyText(outcome.error, 'outcome.error'),
        set_ref: 0,
        ref: null,
      };
    case 'dead':
      return {
        ...common,
        state: 'dead',
        next_attempt_at: null,
        next_attempt_ms: null,
        last_error: anyText(outcome.error, 'outcome.error'),
        set_ref: 0,
        ref: null,
      };
    default:
      throw badInput(
        `outcome.kind: expected sent, retry or dead, got ${preview((outcome as { kind: unknown }).kind)}`,
      );
  }
}

/**
 * What an outcome's change does to a delivery row (the SQLite adapter's outcome UPDATE says the
 * same in SQL). `undefined` when the delivery is already sent: a sent delivery is final, so a late
 * report from a worker whose lease ran out cannot undo it.
 */
export function applyOutcome(row: DeliveryCore, change: OutcomeChange): OutcomeUpdate | undefined {
  if (row.state === 'sent') return undefined;
  const nextMs = change.next_attempt_ms ?? row.next_attempt_ms;
  return {
    state: change.state,
    attempts: row.attempts + 1,
    next_attempt_at: change.next_attempt_at ?? row.next_attempt_at,
    next_attempt_ms: nextMs,
    claimable_ms: nextMs,
    updated_at: change.updated_at,
    updated_ms: change.updated_ms,
    last_error: change.last_error ?? row.last_error,
    ref: change.set_ref === 1 ? change.ref : row.ref,
  };
}

/**
 * What an operator's retry does: due now, lease dropped. A dead delivery gets a fresh attempt
 * count, so the retry budget starts over instead of dead-lettering it again on the first failure.
 * `undefined` for a sent delivery, which is final.
 */
export function retryUpdate(row: DeliveryCore, now: string): OutcomeUpdate | undefined {
  const ms = instantMs(now, 'now');
  if (row.state === 'sent') return undefined;
  return {
    state: 'pending',
    attempts: row.state === 'dead' ? 0 : row.attempts,
    next_attempt_at: now,
    next_attempt_ms: ms,
    claimable_ms: ms,
    updated_at: now,
    updated_ms: ms,
    last_error: row.last_error,
    ref: row.ref,
  };
}

/** A silence as stored. */
export interface SilenceRow {
  readonly id: string;
  readonly created_ms: number;
  readonly data: string;
}

/** Validates a silence and turns it into its row. */
export function silenceToRow(silence: Silence, path: string): SilenceRow {
  if (silence.from !== undefined) instantMs(silence.from, `${path}.from`);
  instantMs(silence.until, `${path}.until`);
  if (typeof silence.reason !== 'string') throw badInput(`${path}.reason: expected a string`);
  oneOf(silence.origin, SILENCE_ORIGINS, `${path}.origin`);
  return {
    id: text(silence.id, `${path}.id`),
    created_ms: instantMs(silence.createdAt, `${path}.createdAt`),
    data: jsonText(silence, path),
  };
}

/** An audit record as stored. */
export interface AuditRow {
  readonly id: string;
  readonly at_ms: number;
  readonly data: string;
}

/** Validates an audit record and turns it into its row. */
export function auditToRow(record: AuditRecord, path: string): AuditRow {
  text(record.actor, `${path}.actor`);
  text(record.action, `${path}.action`);
  oneOf(record.result, AUDIT_RESULTS, `${path}.result`);
  if (typeof record.dryRun !== 'boolean') throw badInput(`${path}.dryRun: expected a boolean`);
  return {
    id: text(record.id, `${path}.id`),
    at_ms: instantMs(record.at, `${path}.at`),
    data: jsonText(record, path),
  };
}

/** Epoch-millisecond cutoffs per history kind: rows strictly older are pruned. */
export interface PruneCutoffs {
  readonly events?: number;
  readonly sentDeliveries?: number;
  readonly audit?: number;
  readonly findingStates?: number;
}

/** Turns retention durations into cutoffs relative to `now`. */
export function pruneCutoffs(now: string, retention: Retention): PruneCutoffs {
  const nowMs = instantMs(now, 'now');
  const cutoffs: { -readonly [K in keyof PruneCutoffs]: number } = {};
  for (const kind of ['events', 'sentDeliveries', 'audit', 'findingStates'] as const) {
    const keep = retention[kind];
    if (keep === undefined) continue;
    if (typeof keep !== 'number' || !Number.isFinite(keep) || keep < 0) {
      throw badInput(`retention.${kind}: expected a non-negative number of milliseconds`);
    }
    cutoffs[kind] = nowMs - keep;
  }
  return cutoffs;
}

/** A digest group as stored; its pending findings are separate rows, one per finding, in order. */
export interface GroupRow {
  readonly key: string;
  readonly rule: string;
  readonly labels: string;
  readonly flush_at: string;
  readonly flush_ms: number;
  readonly last_flushed_at: string | null;
}

/** One finding appended to a group: the group as it is created if it does not exist yet. */
export interface GroupAddRow {
  readonly group: GroupRow;
  readonly finding: string;
}

/** The group a row and its pending finding texts hold. */
export function groupFromRow(row: GroupRow, pending: readonly string[]): Group {
  return {
    key: row.key,
    rule: row.rule,
    labels: JSON.parse(row.labels),
    pending: pending.map((finding) => loadedFinding(JSON.parse(finding))),
    flushAt: row.flush_at,
    ...(row.last_flushed_at === null ? {} : { lastFlushedAt: row.last_flushed_at }),
  };
}

/** Every row of a commit batch, validated; nothing is written until all of them convert. */
export interface CommitRows {
  readonly events: readonly EventRow[];
  readonly states: readonly StateRow[];
  readonly deliveries: readonly DeliveryRow[];
  readonly groupAdds: readonly GroupAddRow[];
  readonly audit: readonly AuditRow[];
}

/** Validates a whole batch and converts it to rows (a StoreError names the first bad path). */
export function commitRows(batch: CommitBatch): CommitRows {
  return {
    events: (batch.events ?? []).map((event, i) => eventToRow(event, `events[${i}]`)),
    states: (batch.states ?? []).map((state, i) => stateToRow(state, `states[${i}]`)),
    deliveries: deliveryRows(batch.deliveries ?? [], 'deliveries'),
    groupAdds: (batch.groupAdds ?? []).map((add, i) => {
      const path = `groupAdds[${i}]`;
      return {
        group: {
          key: text(add.key, `${path}.key`),
          rule: text(add.rule, `${path}.rule`),
          labels: jsonText(add.labels, `${path}.labels`),
          flush_at: add.flushAt,
          flush_ms: instantMs(add.flushAt, `${path}.flushAt`),
          last_flushed_at: null,
        },
        finding: jsonText(storedFinding(add.finding), `${path}.finding`),
      };
    }),
    audit: (batch.audit ?? []).map((record, i) => auditToRow(record, `audit[${i}]`)),
  };
}

/** Validates a list of deliveries and converts them to rows. */
export function deliveryRows(deliveries: readonly Delivery[], path: string): DeliveryRow[] {
  return deliveries.map((delivery, i) => deliveryToRow(delivery, `${path}[${i}]`));
}
