/**
 * `GuardDuty Finding` events: one finding in `detail`. The key is `detail.arn` (the administrator
 * and the member account both receive every event; the ARN is the same in both). GuardDuty
 * re-publishes a finding with the same ARN and a larger `service.count` when activity recurs.
 */
import { parseArn } from './arn.js';
import { consoleUrl } from './console-url.js';
import { FindingError } from './errors.js';
import type { EventEnvelope, Finding } from './finding.js';
import { guardDutyActor, guardDutyResources } from './guardduty-resources.js';
import { at, booleanValue, describe, isObject, positiveInteger, requireText, textAt } from './json-reader.js';
import { guardDutySeverity } from './severity.js';
import { normalizeTimestamp } from './timestamps.js';

/** The Finding in a `GuardDuty Finding` event. */
export function parseGuardDuty(event: EventEnvelope): Finding {
  const detail = at(event, 'detail');
  if (!isObject(detail)) {
    throw new FindingError(
      'detail',
      detail === undefined ? 'required' : `must be an object, got ${describe(detail)}`,
    );
  }
  const key = requireText(detail, 'arn', 'detail');
  const type = requireText(detail, 'type', 'detail');
  const account = requireText(detail, 'accountId', 'detail');
  // detail.region, not the ARN's region: test logs exist where the two differ, and detail.region
  // is the field GuardDuty documents as the finding's region.
  const region = requireText(detail, 'region', 'detail');
  const severity = guardDutySeverity(at(detail, 'severity'), 'detail.severity');
  const partition = textAt(detail, 'partition') ?? parseArn(key)?.partition ?? 'aws';
  const service = at(detail, 'service');
  const archived = booleanValue(at(service, 'archived'));
  const actor = guardDutyActor(detail);
  const firstSeen =
    normalizeTimestamp(at(service, 'eventFirstSeen')) ?? normalizeTimestamp(at(detail, 'createdAt'));
  const lastSeen =
    normalizeTimestamp(at(service, 'eventLastSeen')) ?? normalizeTimestamp(at(detail, 'updatedAt'));
  const link = consoleUrl({ source: 'guardduty', key, region, partition, raw: detail });
  return {
    key,
    source: 'guardduty',
    product: 'GuardDuty',
    type,
    title: textAt(detail, 'title') ?? type,
    description: textAt(detail, 'description') ?? '',
    severity,
    account,
    region,
    partition,
    ...(firstSeen === undefined ? {} : { firstSeen }),
    ...(lastSeen === undefined ? {} : { lastSeen }),
    count: positiveInteger(at(service, 'count')) ?? 1,
    ...(archived === undefined ? {} : { recordState: archived ? 'ARCHIVED' : 'ACTIVE' }),
    ...(link === undefined ? {} : { consoleUrl: link }),
    resources: guardDutyResources(detail),
    ...(actor === undefined ? {} : { actor }),
    // Generated samples say `true`; some older exports carry the string "True".
    sample: booleanValue(at(service, 'additionalInfo', 'sample')) === true,
    raw: detail,
    event,
  };
}
