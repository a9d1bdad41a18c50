/**
 * One severity scale for every product. GuardDuty's numeric bands define it (Low 1.0–3.9,
 * Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0, and below 1.0 Informational); ASFF and OCSF
 * labels map onto the same five labels, and a label without a score gets the lowest score of its
 * band, so a rule such as `severity >= 7` treats a Security Hub HIGH like a GuardDuty High.
 */
import { FindingError } from './errors.js';
import type { Severity, SeverityLabel } from './finding.js';
import { at, childPath, describe, numberValue, text } from './json-reader.js';

const LABELS: readonly SeverityLabel[] = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** Lowest score of each label's band; used when a product gives a label but no score. */
export const LABEL_FLOOR: Readonly<Record<SeverityLabel, number>> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 4,
  HIGH: 7,
  CRITICAL: 9,
};

/** The label of a 0–10 score by GuardDuty's bands (below 1.0 is INFORMATIONAL). */
export function severityFromScore(score: number): Severity {
  if (!Number.isFinite(score)) throw new RangeError(`severity score must be a finite number, got ${score}`);
  let label: SeverityLabel = 'CRITICAL';
  if (score < 1) label = 'INFORMATIONAL';
  else if (score < 4) label = 'LOW';
  else if (score < 7) label = 'MEDIUM';
  else if (score < 9) label = 'HIGH';
  return { score, label };
}

/** True when `value` is one of the five labels (exact, upper case). */
export function isSeverityLabel(value: unknown): value is SeverityLabel {
  return typeof value === 'string' && (LABELS as readonly string[]).includes(value);
}

/** GuardDuty `detail.severity`: a number from 0 to 10 (a numeric string is accepted). */
export function guardDutySeverity(value: unknown, path: string): Severity {
  if (value === undefined || value === null) throw new FindingError(path, 'required');
  const score = numberValue(value);
  if (score === undefined)
    throw new FindingError(path, `must be a number from 0 to 10, got ${describe(value)}`);
  if (score < 0 || score > 10) throw new FindingError(path, `must be a number from 0 to 10, got ${score}`);
  return severityFromScore(score);
}

/**
 * ASFF `Severity`: the score is `Normalized / 10`; the label is `Label` as given (it is what
 * Security Hub shows and what rules filter on, even where it disagrees with Normalized, e.g. an
 * Access Analyzer LOW with Normalized 1). Without Label, the label follows ASFF's own bands for
 * Normalized (0 INFORMATIONAL, 1–39 LOW, 40–69 MEDIUM, 70–89 HIGH, 90–100 CRITICAL).
 */
export function asffSeverity(severity: unknown, path: string): Severity {
  if (severity === undefined || severity === null) throw new FindingError(path, 'required');
  const labelText = text(at(severity, 'Label'));
  const label = labelText === undefined ? undefined : labelText.trim().toUpperCase();
  const normalizedRaw = at(severity, 'Normalized');
  const normalized = numberValue(normalizedRaw);
  if (normalizedRaw !== undefined && (normalized === undefined || normalized < 0 || normalized > 100)) {
    throw new FindingError(childPath(path, 'Normalized'), 'must be a number from 0 to 100');
  }
  if (label !== undefined && isSeverityLabel(label)) {
    return { score: normalized === undefined ? LABEL_FLOOR[label] : normalized / 10, label };
  }
  if (normalized !== undefined) return { score: normalized / 10, label: asffNormalizedLabel(normalized) };
  if (label !== undefined) {
    throw new FindingError(childPath(path, 'Label'), `must be one of ${LABELS.join(', ')}`);
  }
  throw new FindingError(childPath(path, 'Label'), 'required (Severity.Label or Severity.Normalized)');
}

function asffNormalizedLabel(normalized: number): SeverityLabel {
  if (normalized < 1) return 'INFORMATIONAL';
  if (normalized < 40) return 'LOW';
  if (normalized < 70) return 'MEDIUM';
  if (normalized < 90) return 'HIGH';
  return 'CRITICAL';
}

// OCSF severity_id: 0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal, 99 Other.
const OCSF_SEVERITY_IDS: ReadonlyMap<number, Severity> = new Map([
  [1, { score: LABEL_FLOOR.INFORMATIONAL, label: 'INFORMATIONAL' }],
  [2, { score: LABEL_FLOOR.LOW, label: 'LOW' }],
  [3, { score: LABEL_FLOOR.MEDIUM, label: 'MEDIUM' }],
  [4, { score: LABEL_FLOOR.HIGH, label: 'HIGH' }],
  [5, { score: LABEL_FLOOR.CRITICAL, label: 'CRITICAL' }],
  [6, { score: 10, label: 'CRITICAL' }],
]);

const OCSF_SEVERITY_NAMES: ReadonlyMap<string, number> = new Map([
  ['informational', 1],
  ['low', 2],
  ['medium', 3],
  ['high', 4],
  ['critical', 5],
  ['fatal', 6],
]);

/**
 * OCSF: `severity_id` decides (the caption `severity` is only read when the id is Unknown (0),
 * Other (99) or absent). Unknown/Other without a usable caption is INFORMATIONAL.
 */
export function ocsfSeverity(finding: unknown, path: string): Severity {
  const idRaw = at(finding, 'severity_id');
  const id = numberValue(idRaw);
  const known = id === undefined ? undefined : OCSF_SEVERITY_IDS.get(id);
  if (known !== undefined) return known;
  const caption = text(at(finding, 'severity'));
  const fromCaption =
    caption === undefined ? undefined : OCSF_SEVERITY_NAMES.get(caption.trim().toLowerCase());
  if (fromCaption !== undefined) return OCSF_SEVERITY_IDS.get(fromCaption)!;
  if (id === 0 || id === 99) return { score: 0, label: 'INFORMATIONAL' };
  if (idRaw === undefined) throw new FindingError(childPath(path, 'severity_id'), 'required');
  throw new FindingError(childPath(path, 'severity_id'), 'must be 0–6 or 99 (OCSF severity_id)');
}
