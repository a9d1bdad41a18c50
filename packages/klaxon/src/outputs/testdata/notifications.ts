/**
 * Hand-built findings and notifications for output unit tests (the goldens use the real parser
 * over ../shared/samples). Kept small and explicit so a test reads what it feeds the renderer.
 */
import type { Finding } from '../../findings/finding.js';
import type { Notification, NotificationKind } from '../../route/notification.js';

/** A GuardDuty EC2 finding, overridable field by field. */
export function testFinding(overrides: Partial<Finding> = {}): Finding {
  const arn =
    'arn:aws:guardduty:us-west-2:884003976652:detector/74b4e5d7cf7b843fe0e5e92fa9c4633c/finding/a2b4e5df544366954e71c42d515b5a16';
  return {
    key: arn,
    source: 'guardduty',
    product: 'GuardDuty',
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    title: 'Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    description: 'EC2 instance has an unprotected port which is being probed by a known malicious host.',
    severity: { score: 7.2, label: 'HIGH' },
    account: '884003976652',
    region: 'us-west-2',
    partition: 'aws',
    firstSeen: '2019-03-29T23:17:43.686Z',
    lastSeen: '2019-10-24T21:23:59.078Z',
    count: 3,
    consoleUrl:
      'https://us-west-2.console.aws.amazon.com/guardduty/home?region=us-west-2#/findings?macros=current&fId=a2b4e5df544366954e71c42d515b5a16',
    resources: [
      {
        kind: 'Instance',
        id: 'i-0618726e20846a8dc',
        name: 'production (NA)',
        details: { 'Public IP': '52.25.215.5', VPC: 'vpc-7ba6241f', Subnet: 'subnet-36bf4a6e' },
      },
    ],
    actor: { ip: '211.44.226.158', country: 'South Korea', organization: 'SK Broadband Co Ltd', api: 'PORT_PROBE' },
    sample: false,
    raw: { id: 'a2b4e5df544366954e71c42d515b5a16', service: { count: 3 } },
    event: {
      version: '0',
      id: 'bb9fb524-59ef-513a-8659-b12a3795ae8b',
      'detail-type': 'GuardDuty Finding',
      source: 'aws.guardduty',
      account: '884003976652',
      time: '2019-10-24T21:23:59Z',
      region: 'us-west-2',
      resources: [],
    },
    ...overrides,
  };
}

/** A notification of `kind` about `findings` (one finding unless given). */
export function testNotification(
  overrides: Partial<Notification> & { kind?: NotificationKind } = {},
): Notification {
  return {
    id: 'n-0001-guardduty-high-pager',
    kind: 'new',
    rule: 'guardduty-high',
    output: 'test-output',
    findings: [testFinding()],
    createdAt: '2026-11-25T12:00:00.000Z',
    ...overrides,
  };
}

/** Strings that try to ping, spoof links, inject markup or reorder text in some channel. */
export const HOSTILE_STRINGS: readonly string[] = [
  '<!channel> <!here> <!everyone>',
  '<@U123> <#C123>',
  '<https://evil.example|your bank>',
  '[click](https://evil.example) ![img](https://evil.example/x.png)',
  '<script>alert(1)</script><img src=x onerror=alert(1)>',
  'safe\u202Eexe.txt\u2066\u200F',
  '**bold** _it_ `code` ~strike~ # heading\n> quote',
  '&amp; &lt; " \' {{finding.title}}',
  'line1\r\nSubject: injected\r\nBcc: victim@evil.example',
];

/** A finding whose every attacker-controlled text field carries `text`. */
export function hostileFinding(text: string): Finding {
  return testFinding({
    key: `arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/${text}`,
    type: `Recon:EC2/${text}`,
    title: text,
    description: text,
    resources: [{ kind: 'Instance', id: text, name: text, details: { Tag: text, [text]: text } }],
    actor: { ip: text, userAgent: text, domain: text, organization: text, api: text },
    firstSeen: text,
    lastSeen: text,
  });
}
