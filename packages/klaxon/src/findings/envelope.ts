/**
 * The EventBridge envelope every input must have. Anything that is not an EventBridge event at
 * all (a bare finding, an SNS wrapper, an array) is rejected here with the missing field's name.
 */
import { FindingError } from './errors.js';
import type { EventEnvelope } from './finding.js';
import { at, describe, isObject, requireText } from './json-reader.js';

const REQUIRED = ['id', 'detail-type', 'source', 'account', 'time', 'region'] as const;

/** `event` as an EventEnvelope, or a FindingError naming the first missing or malformed field. */
export function readEnvelope(event: unknown): EventEnvelope {
  if (!isObject(event)) {
    throw new FindingError('', `not an EventBridge event: expected a JSON object, got ${describe(event)}`);
  }
  for (const key of REQUIRED) requireText(event, key, '');
  const resources = at(event, 'resources');
  if (
    resources !== undefined &&
    (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string'))
  ) {
    throw new FindingError('resources', 'must be an array of strings');
  }
  return event as EventEnvelope;
}

/**
 * `detail.findings` of a Security Hub event (ASFF or OCSF): a non-empty array, or a FindingError
 * naming `detail.findings`. Each element is checked by the format's own parser.
 */
export function detailFindings(event: EventEnvelope, format: 'ASFF' | 'OCSF'): readonly unknown[] {
  const findings = at(event, 'detail', 'findings');
  if (!Array.isArray(findings) || findings.length === 0) {
    throw new FindingError(
      'detail.findings',
      findings === undefined
        ? 'required'
        : `must be a non-empty array of ${format} findings, got ${describe(findings)}`,
    );
  }
  return findings;
}
