import type { Finding } from '../../findings/finding.js';
import type { Notification } from '../../route/notification.js';
import type { ArchivedEvent, AuditRecord, Delivery, FindingState, Silence } from '../ports.js';

/** Builders of valid port values for the store tests; each takes overrides. */

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** The ISO time `seconds` after 2026-01-01T00:00:00Z. */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

/** A GuardDuty-like finding. */
export function finding(key: string, overrides: Partial<Finding> = {}): Finding {
  return {
    key,
    source: 'guardduty',
    product: 'GuardDuty',
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    title: `Finding ${key}`,
    description: 'Unprotected port on EC2 instance is being probed.',
    severity: { score: 5, label: 'MEDIUM' },
    account: '111122223333',
    region: 'us-east-1',
    partition: 'aws',
    firstSeen: at(0),
    lastSeen: at(0),
    count: 1,
    resources: [{ kind: 'Instance', id: 'i-0123456789abcdef0', details: { VPC: 'vpc-1' } }],
    sample: true,
    raw: { id: key, nested: { list: [1, 'two', null] } },
    event: {
      id: `evt-${key}`,
      'detail-type': 'GuardDuty Finding',
      source: 'aws.guardduty',
      account: '111122223333',
      time: at(0),
      region: 'us-east-1',
    },
    ...overrides,
  };
}

/** A notification for one finding. */
export function notification(id: string, overrides: Partial<Notification> = {}): Notification {
  return {
    id,
    kind: 'new',
    rule: 'rule-a',
    output: 'hook',
    findings: [finding(`key-${id}`)],
    createdAt: at(0),
    ...overrides,
  };
}

/** A pending delivery due at `at(0)` whose notification has the same id. */
export function delivery(id: string, overrides: Partial<Omit<Delivery, 'id' | 'notification'>> = {}): Delivery {
  const output = overrides.output ?? 'hook';
  const rule = overrides.rule ?? 'rule-a';
  return {
    id,
    output,
    rule,
    findingKey: `key-${id}`,
    notification: notification(id, { output, rule }),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

/** An accepted HTTP event. */
export function archivedEvent(id: string, overrides: Partial<ArchivedEvent> = {}): ArchivedEvent {
  return {
    id,
    eventId: `eb-${id}`,
    receivedAt: at(0),
    via: 'http',
    status: 'accepted',
    body: `{"id":"eb-${id}"}`,
    ...overrides,
  };
}

/** A finding state after one announcement. */
export function findingState(rule: string, key: string, overrides: Partial<FindingState> = {}): FindingState {
  return {
    rule,
    key,
    firstNotifiedAt: at(0),
    lastNotifiedAt: at(0),
    lastSeenAt: at(0),
    severity: { score: 5, label: 'MEDIUM' },
    count: 1,
    lastKind: 'new',
    notifications: 1,
    ...overrides,
  };
}

/** An audit record of a planned action. */
export function auditRecord(id: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id,
    at: at(0),
    actor: 'rule-a',
    action: 'ec2-isolate',
    target: 'i-0123456789abcdef0',
    dryRun: true,
    result: 'planned',
    detail: { securityGroup: 'sg-1' },
    ...overrides,
  };
}

/** A silence created through the API. */
export function silence(id: string, overrides: Partial<Silence> = {}): Silence {
  return {
    id,
    pattern: { account: ['111122223333'] },
    until: at(3600),
    reason: 'sandbox',
    createdAt: at(0),
    origin: 'api',
    ...overrides,
  };
}
