/** Findings: parse GuardDuty, Security Hub ASFF/OCSF and generic EventBridge events into one shape. */
export { consoleUrl } from './console-url.js';
export { FindingError } from './errors.js';
export type {
  Actor,
  EventEnvelope,
  Finding,
  FindingSource,
  ResourceSummary,
  Severity,
  SeverityLabel,
} from './finding.js';
export { parseFindings } from './parse.js';
export { severityFromScore } from './severity.js';
