export { type Clock, ManualClock, systemClock } from './clock.js';
export { digestDeliveries } from './digest.js';
export { RouteError } from './errors.js';
export { groupKey, groupLabels } from './group-labels.js';
export { idempotencyKey } from './idempotency.js';
export { KeyedLock } from './keyed-lock.js';
export { findingStatus, isAcknowledgementEcho, isResolved, materialChanges } from './material.js';
export type { ActionReport, Notification, NotificationKind } from './notification.js';
export { pendingDelivery } from './outbox-row.js';
export { nextState, type Verdict, verdict } from './policy.js';
export {
  type Decision,
  type FindingDecision,
  type NewSilence,
  type PlannedAction,
  Router,
  type RuleOutcome,
} from './router.js';
export type { ActionSpec, GroupPolicy, RenotifyPolicy, RouteRule, SilenceSpec } from './rule.js';
