/**
 * Security Hub `Findings Imported V2` events: OCSF findings (Compliance 2003, Detection 2004,
 * Vulnerability 2002, …) in `detail.findings`. Key: `finding_info.uid`. Essential fields:
 * finding_info.uid, cloud.account.uid and a severity (severity_id, or the severity caption when
 * the id is Unknown/Other).
 */
import { isRegion, parseArn } from './arn.js';
import { detailFindings } from './envelope.js';
import { FindingError } from './errors.js';
import type { Actor, EventEnvelope, Finding, ResourceSummary } from './finding.js';
import {
  at,
  childPath,
  describe,
  isObject,
  type JsonObject,
  list,
  numberValue,
  positiveInteger,
  scalarText,
  text,
  textAt,
} from './json-reader.js';
import { ocsfSeverity } from './severity.js';
import { type ActorDraft, asnText, finishActor, mergeActor, resourceSummary, tagValue } from './summary.js';
import { normalizeTimestamp } from './timestamps.js';

// OCSF status_id and compliance status spelled the way ASFF (and Klaxon's rules) spell them.
const STATUS_BY_ID: ReadonlyMap<number, string> = new Map([
  [1, 'NEW'],
  [2, 'IN_PROGRESS'],
  [3, 'SUPPRESSED'],
  [4, 'RESOLVED'],
  [5, 'ARCHIVED'],
]);
const COMPLIANCE_BY_TEXT: ReadonlyMap<string, string> = new Map([
  ['pass', 'PASSED'],
  ['passed', 'PASSED'],
  ['fail', 'FAILED'],
  ['failed', 'FAILED'],
  ['warning', 'WARNING'],
]);

/** Every OCSF finding of a `Findings Imported V2` event. */
export function parseOcsf(event: EventEnvelope): Finding[] {
  return detailFindings(event, 'OCSF').map((finding, index) =>
    parseOne(event, finding, `detail.findings[${index}]`),
  );
}

function required(finding: JsonObject, path: string, ...keys: string[]): string {
  const value = at(finding, ...keys);
  const fullPath = keys.reduce(childPath, path);
  if (value === undefined || value === null) throw new FindingError(fullPath, 'required');
  const result = text(value);
  if (result === undefined)
    throw new FindingError(fullPath, `must be a non-empty string, got ${describe(value)}`);
  return result;
}

function firstTime(finding: JsonObject, candidates: readonly (readonly string[])[]): string | undefined {
  for (const keys of candidates) {
    const time = normalizeTimestamp(at(finding, ...keys));
    if (time !== undefined) return time;
  }
  return undefined;
}

function parseOne(event: EventEnvelope, finding: unknown, path: string): Finding {
  if (!isObject(finding))
    throw new FindingError(path, `must be an OCSF finding object, got ${describe(finding)}`);
  const key = required(finding, path, 'finding_info', 'uid');
  const account = required(finding, path, 'cloud', 'account', 'uid');
  const severity = ocsfSeverity(finding, path);
  const firstResource = at(finding, 'resources', 0);
  const region =
    [textAt(finding, 'cloud', 'region'), textAt(firstResource, 'region')].find(
      (r) => r !== undefined && isRegion(r),
    ) ?? event.region;
  const partition = textAt(firstResource, 'cloud_partition') ?? parseArn(key)?.partition ?? 'aws';
  const type =
    textAt(finding, 'compliance', 'control') ??
    textAt(finding, 'finding_info', 'types', 0) ??
    textAt(finding, 'class_name') ??
    scalarText(at(finding, 'class_uid')) ??
    'Unknown';
  const firstSeen = firstTime(finding, [
    ['finding_info', 'first_seen_time_dt'],
    ['finding_info', 'first_seen_time'],
    ['finding_info', 'created_time_dt'],
    ['finding_info', 'created_time'],
  ]);
  const lastSeen = firstTime(finding, [
    ['finding_info', 'last_seen_time_dt'],
    ['finding_info', 'last_seen_time'],
    ['finding_info', 'modified_time_dt'],
    ['finding_info', 'modified_time'],
    ['time_dt'],
    ['time'],
  ]);
  const statusId = numberValue(at(finding, 'status_id'));
  const workflowStatus =
    (statusId === undefined ? undefined : STATUS_BY_ID.get(statusId)) ??
    textAt(finding, 'status')?.trim().toUpperCase().replace(/\s+/g, '_');
  const complianceText = textAt(finding, 'compliance', 'status');
  const complianceStatus =
    complianceText === undefined
      ? undefined
      : (COMPLIANCE_BY_TEXT.get(complianceText.trim().toLowerCase()) ?? complianceText.trim().toUpperCase());
  const actor = ocsfActor(finding);
  return {
    key,
    source: 'securityhub-ocsf',
    product: textAt(finding, 'metadata', 'product', 'name') ?? 'Security Hub',
    type,
    title: textAt(finding, 'finding_info', 'title') ?? type,
    description: textAt(finding, 'finding_info', 'desc') ?? '',
    severity,
    account,
    region,
    partition,
    ...(firstSeen === undefined ? {} : { firstSeen }),
    ...(lastSeen === undefined ? {} : { lastSeen }),
    count: positiveInteger(at(finding, 'count')) ?? 1,
    ...(workflowStatus === undefined ? {} : { workflowStatus }),
    ...(complianceStatus === undefined ? {} : { complianceStatus }),
    resources: list(at(finding, 'resources')).flatMap(ocsfResource),
    ...(actor === undefined ? {} : { actor }),
    sample: false,
    raw: finding,
    event,
  };
}

function ocsfResource(resource: unknown): ResourceSummary[] {
  const uid = textAt(resource, 'uid') ?? textAt(resource, 'uid_alt');
  if (uid === undefined) return [];
  const altId = textAt(resource, 'uid_alt');
  return [
    resourceSummary(
      textAt(resource, 'type') ?? 'Resource',
      uid,
      textAt(resource, 'name') ?? tagValue(at(resource, 'tags'), 'Name'),
      [
        ['ARN', altId === uid ? undefined : altId],
        ['Region', textAt(resource, 'region')],
        ['Account', textAt(resource, 'owner', 'account', 'uid')],
      ],
    ),
  ];
}

function endpointActor(endpoint: unknown): ActorDraft {
  return {
    ip: textAt(endpoint, 'ip'),
    domain: textAt(endpoint, 'domain') ?? textAt(endpoint, 'hostname'),
    country: textAt(endpoint, 'location', 'country'),
    city: textAt(endpoint, 'location', 'city'),
    organization: textAt(endpoint, 'autonomous_system', 'name'),
    asn: asnText(at(endpoint, 'autonomous_system', 'number')),
  };
}

/** Actor fields at the finding's top level, else in its first evidence (Detection Findings). */
function ocsfActor(finding: JsonObject): Actor | undefined {
  const draft: ActorDraft = {};
  for (const source of [finding, at(finding, 'evidences', 0)]) {
    mergeActor(draft, endpointActor(at(source, 'src_endpoint')));
    mergeActor(draft, {
      principal: textAt(source, 'actor', 'user', 'name') ?? textAt(source, 'actor', 'user', 'uid'),
      api: textAt(source, 'api', 'operation'),
      serviceName: textAt(source, 'api', 'service', 'name'),
      userAgent: textAt(source, 'http_request', 'user_agent'),
      process:
        textAt(source, 'actor', 'process', 'file', 'path') ?? textAt(source, 'actor', 'process', 'name'),
    });
  }
  return finishActor(draft);
}
