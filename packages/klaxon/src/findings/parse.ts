/**
 * Dispatch on `detail-type`, not on `source`: EventBridge reserves `aws.*` sources for AWS, so
 * test events a user replays through PutEvents carry their own source but keep the product's
 * detail-type, and must be parsed the same way as the real thing.
 */
import { parseAsff } from './asff.js';
import { readEnvelope } from './envelope.js';
import type { Finding } from './finding.js';
import { parseGeneric } from './generic.js';
import { parseGuardDuty } from './guardduty.js';
import { parseOcsf } from './ocsf.js';

/** The finding event detail-types Klaxon understands, and the parser for each. */
const PARSERS: ReadonlyMap<string, (event: ReturnType<typeof readEnvelope>) => Finding[]> = new Map([
  ['GuardDuty Finding', (event) => [parseGuardDuty(event)]],
  ['Security Hub Findings - Imported', parseAsff],
  ['Security Hub Findings - Custom Action', parseAsff],
  ['Findings Imported V2', parseOcsf],
]);

/**
 * The normalized findings in one EventBridge event: GuardDuty → 1; Security Hub ASFF (Imported
 * or Custom Action) → every finding in `detail.findings`; Findings Imported V2 (OCSF) → every
 * finding; any other event → 1 generic Finding. Throws FindingError (naming the JSON path) for a
 * finding event missing an essential field, or for a value that is not an EventBridge event.
 */
export function parseFindings(event: unknown): Finding[] {
  const envelope = readEnvelope(event);
  const parser = PARSERS.get(envelope['detail-type']);
  return parser === undefined ? [parseGeneric(envelope)] : parser(envelope);
}
