import type { Finding } from '../findings/finding.js';
import type { FindingState } from '../store/ports.js';
import { findingStatus, isAcknowledgementEcho, isResolved, statusIsResolved } from './material.js';
import type { NotificationKind } from './notification.js';
import type { RenotifyPolicy } from './rule.js';

/** What a rule should say about one sighting of a finding, and why. */
export interface Verdict {
  /** Undefined: say nothing this time (the sighting is still recorded). */
  readonly kind: NotificationKind | undefined;
  /** A short machine-readable reason, kept in the audit trail and shown by `klaxon route`. */
  readonly reason: string;
}

/**
 * Decides whether a rule announces a sighting, given what it last recorded about the finding.
 * Default (no policy): announce a finding once. Comparisons of severity and count are against the
 * last ANNOUNCED values ("rose since we last said something"); status is the last seen one.
 */
export function verdict(
  previous: FindingState | undefined,
  finding: Finding,
  policy: RenotifyPolicy | undefined,
  now: Date,
): Verdict {
  const resolvedNow = isResolved(finding);
  if (previous === undefined) {
    // A finding first seen already closed needs nobody's attention.
    return resolvedNow
      ? { kind: undefined, reason: 'resolved-on-first-sight' }
      : { kind: 'new', reason: 'new' };
  }
  if (isAcknowledgementEcho(previous, finding)) return { kind: undefined, reason: 'acknowledgement-echo' };

  const on = policy?.on ?? [];
  const wasResolved = statusIsResolved(previous.status);
  if (resolvedNow && !wasResolved) {
    return on.includes('resolved')
      ? { kind: 'resolved', reason: 'resolved' }
      : { kind: undefined, reason: 'resolved-not-announced' };
  }
  if (resolvedNow) return { kind: undefined, reason: 'still-resolved' };
  if (wasResolved) return { kind: 'new', reason: 'reopened' };

  if (on.includes('severity-increase') && finding.severity.score > previous.severity.score) {
    return { kind: 'escalation', reason: 'severity-increase' };
  }
  const sinceLast = now.getTime() - Date.parse(previous.lastNotifiedAt);
  if (on.includes('count-increase') && finding.count > previous.count) {
    if (sinceLast >= (policy?.cooldown ?? 0)) return { kind: 'update', reason: 'count-increase' };
    if (policy?.every === undefined || sinceLast < policy.every) {
      return { kind: undefined, reason: 'count-increase-in-cooldown' };
    }
  }
  if (policy?.every !== undefined && sinceLast >= policy.every) return { kind: 'repeat', reason: 'repeat' };
  return { kind: undefined, reason: 'already-announced' };
}

/** The state a rule keeps after a sighting: announced values move only when something was said. */
export function nextState(
  rule: string,
  previous: FindingState | undefined,
  finding: Finding,
  kind: NotificationKind | undefined,
  now: Date,
): FindingState | undefined {
  const at = now.toISOString();
  const status = findingStatus(finding);
  if (previous === undefined) {
    // Not announced (kind undefined) is still remembered, so a later sighting is compared with it
    // (e.g. a finding first seen resolved and reopened later is announced as new).
    return {
      rule,
      key: finding.key,
      firstNotifiedAt: at,
      lastNotifiedAt: at,
      lastSeenAt: at,
      severity: finding.severity,
      count: finding.count,
      lastKind: kind ?? 'resolved',
      notifications: kind === undefined ? 0 : 1,
      status,
    };
  }
  if (kind === undefined) return { ...previous, lastSeenAt: at, status };
  return {
    ...previous,
    lastNotifiedAt: at,
    lastSeenAt: at,
    severity: finding.severity,
    count: finding.count,
    lastKind: kind,
    notifications: previous.notifications + 1,
    status,
  };
}
