import type { Finding, Severity } from '../findings/finding.js';

/** Why a notification is sent. */
export type NotificationKind =
  | 'new' // first time this rule announces this finding
  | 'escalation' // severity rose since the last announcement
  | 'update' // count rose (after the cooldown) or another material change
  | 'repeat' // `renotify.every` elapsed
  | 'resolved' // the finding was archived / resolved / passed
  | 'digest' // a group of findings flushed together
  | 'action-result'; // an automated action finished

/** The result of an automated action, reported back to the channel. */
export interface ActionReport {
  readonly type: string;
  readonly dryRun: boolean;
  readonly status: 'succeeded' | 'failed' | 'skipped';
  readonly summary: string;
}

/**
 * One message for one output, decided by route/ and persisted by deliver/ before it is sent.
 * It is plain JSON (it lives in the outbox), and every output renders it the same way every time.
 */
export interface Notification {
  /** Stable idempotency key of this notification (also the delivery id). */
  readonly id: string;
  readonly kind: NotificationKind;
  readonly rule: string;
  readonly output: string;
  /** One finding, or every finding of a digest (in arrival order, none dropped). */
  readonly findings: readonly Finding[];
  /** Set for digests: the group key and the label values it was grouped by. */
  readonly group?: { readonly key: string; readonly labels: Readonly<Record<string, string>> };
  /** What was last announced, for escalation/update wording. */
  readonly previous?: { readonly severity?: Severity; readonly count?: number };
  /** Body produced by the rule's EventBridge input transformer, when the rule has one. */
  readonly transformed?: string;
  /** A per-output message template from the rule, overriding the default text. */
  readonly template?: string;
  /** Outcome of an automated action, for `action-result` notifications. */
  readonly action?: ActionReport;
  /** When route/ decided it (ISO-8601). */
  readonly createdAt: string;
}
