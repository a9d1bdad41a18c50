import type { Finding } from '../findings/finding.js';
import type { FindingState } from '../store/ports.js';

/*
 * What counts as a "material" change of a finding between two sightings.
 *
 * Security Hub emits a new `Findings - Imported` event for every update of a finding, including
 * the `BatchUpdateFindings` call that Klaxon (or a Step Functions workflow) makes to set
 * `Workflow.Status` to NOTIFIED after announcing it. Such an echo changes `UpdatedAt`, the event
 * id and the workflow status, and nothing a responder cares about. A change is material when any
 * of these differs from what the rule last recorded:
 *
 * - the severity score, or the count (GuardDuty `service.count`);
 * - the record state (ACTIVE / ARCHIVED) or the compliance status (PASSED / FAILED / …);
 * - the workflow status, EXCEPT a move to NOTIFIED (acknowledging is never news).
 *
 * Timestamps, event ids, notes and `UpdatedAt` are never material.
 */

/** The part of a finding's lifecycle that FindingState keeps, as one string `workflow/record/compliance`. */
export function findingStatus(finding: Finding): string {
  return `${finding.workflowStatus ?? '-'}/${finding.recordState ?? '-'}/${finding.complianceStatus ?? '-'}`;
}

interface StatusParts {
  readonly workflow: string;
  readonly record: string;
  readonly compliance: string;
}

function splitStatus(status: string | undefined): StatusParts {
  const [workflow = '-', record = '-', compliance = '-'] = (status ?? '-/-/-').split('/');
  return { workflow, record, compliance };
}

/** True when the finding is over: resolved or suppressed, archived, or a passed control. */
export function isResolved(finding: Finding): boolean {
  return statusIsResolved(findingStatus(finding));
}

/** Same as `isResolved`, on a stored status string. */
export function statusIsResolved(status: string | undefined): boolean {
  const s = splitStatus(status);
  return (
    s.workflow === 'RESOLVED' ||
    s.workflow === 'SUPPRESSED' ||
    s.record === 'ARCHIVED' ||
    s.compliance === 'PASSED'
  );
}

/** The material differences between what a rule recorded and this sighting (empty: nothing new). */
export function materialChanges(
  previous: Pick<FindingState, 'severity' | 'count' | 'status'>,
  finding: Finding,
): string[] {
  const changes: string[] = [];
  if (finding.severity.score !== previous.severity.score) changes.push('severity');
  if (finding.count !== previous.count) changes.push('count');
  const before = splitStatus(previous.status);
  const now = splitStatus(findingStatus(finding));
  if (now.record !== before.record) changes.push('record-state');
  if (now.compliance !== before.compliance) changes.push('compliance');
  if (now.workflow !== before.workflow && now.workflow !== 'NOTIFIED') changes.push('workflow');
  return changes;
}

/**
 * True for the echo of an acknowledgement: the workflow moved to NOTIFIED and nothing material
 * changed. Such an update is recorded but never announced, not even by a `repeat` policy, so
 * Klaxon's own BatchUpdateFindings cannot loop.
 */
export function isAcknowledgementEcho(
  previous: Pick<FindingState, 'severity' | 'count' | 'status'>,
  finding: Finding,
): boolean {
  const before = splitStatus(previous.status);
  return (
    finding.workflowStatus === 'NOTIFIED' &&
    before.workflow !== 'NOTIFIED' &&
    materialChanges(previous, finding).length === 0
  );
}
