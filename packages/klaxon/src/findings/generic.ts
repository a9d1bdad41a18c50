/**
 * Any other EventBridge event (CloudTrail API calls, Config changes, Health events, custom
 * sources) becomes one generic Finding so that rules can still route it. It has no severity of
 * its own (INFORMATIONAL, score 0), its key is the event id, and its resources are the ARNs the
 * envelope lists. CloudTrail-shaped details (`AWS API Call via CloudTrail`) also give an actor.
 */
import { parseArn } from './arn.js';
import type { EventEnvelope, Finding, ResourceSummary } from './finding.js';
import { at, list, textAt } from './json-reader.js';
import { finishActor } from './summary.js';
import { normalizeTimestamp } from './timestamps.js';

function envelopeResource(arn: string): ResourceSummary[] {
  const parts = parseArn(arn);
  if (parts === undefined) return [{ kind: 'Resource', id: arn, details: {} }];
  const slash = parts.resource.search(/[/:]/);
  const kind = slash < 0 ? parts.service : `${parts.service}:${parts.resource.slice(0, slash)}`;
  return [{ kind, id: arn, details: {} }];
}

/** The generic Finding of an event that is not a GuardDuty or Security Hub finding event. */
export function parseGeneric(event: EventEnvelope): Finding {
  const detail = at(event, 'detail');
  const resources = list(event.resources).filter((r): r is string => typeof r === 'string');
  const partition = resources.map((r) => parseArn(r)?.partition).find((p) => p !== undefined) ?? 'aws';
  const time = normalizeTimestamp(event.time);
  const actor = finishActor({
    ip: textAt(detail, 'sourceIPAddress'),
    userAgent: textAt(detail, 'userAgent'),
    api: textAt(detail, 'eventName'),
    serviceName: textAt(detail, 'eventSource'),
    principal: textAt(detail, 'userIdentity', 'arn') ?? textAt(detail, 'userIdentity', 'principalId'),
  });
  return {
    key: event.id,
    source: 'event',
    product: event.source,
    type: event['detail-type'],
    title: event['detail-type'],
    description: '',
    severity: { score: 0, label: 'INFORMATIONAL' },
    account: event.account,
    region: event.region,
    partition,
    ...(time === undefined ? {} : { firstSeen: time, lastSeen: time }),
    count: 1,
    resources: resources.flatMap(envelopeResource),
    ...(actor === undefined ? {} : { actor }),
    sample: false,
    raw: detail,
    event,
  };
}
