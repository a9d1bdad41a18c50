import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testFinding, testNotification } from '../testdata/notifications.js';
import {
  accountText,
  bySeverity,
  findingFacts,
  fitEscaped,
  groupText,
  headline,
  resourceText,
  safeConsoleUrl,
  severityText,
  stripInvisible,
  TRUNCATED,
  timeText,
  truncate,
} from './finding-text.js';

describe('finding facts', () => {
  it('labels severity, account alias, resources and times', () => {
    expect(severityText({ score: 8, label: 'HIGH' })).toBe('High 8.0');
    expect(accountText('884003976652', { '884003976652': 'prod' })).toBe('prod (884003976652)');
    expect(accountText('111122223333', { '884003976652': 'prod' })).toBe('111122223333');
    // An alias map is config: inherited keys such as `constructor` are not aliases.
    expect(accountText('constructor', {})).toBe('constructor');
    expect(resourceText({ kind: 'Instance', id: 'i-1', name: 'web', details: {} })).toBe(
      'Instance i-1 (web)',
    );
    expect(resourceText({ kind: 'Instance', id: 'i-1', name: 'i-1', details: {} })).toBe('Instance i-1');
    expect(timeText('2019-10-24T21:23:59.078Z')).toBe('2019-10-24 21:23:59 UTC');
    expect(timeText('2025-02-25 20:40:06.721')).toBe('2025-02-25 20:40:06.721');
    expect(timeText(undefined)).toBeUndefined();
  });

  it('lists five resources then +N more, and hides the ACTIVE record state', () => {
    const resources = Array.from({ length: 7 }, (_, i) => ({
      kind: 'AwsS3Bucket',
      id: `b${i}`,
      details: {},
    }));
    const facts = findingFacts(
      testFinding({ resources, recordState: 'ACTIVE', complianceStatus: 'FAILED', workflowStatus: 'NEW' }),
      {},
    );
    expect(facts.resource).toEqual({
      label: 'Resources',
      value: 'AwsS3Bucket b0\nAwsS3Bucket b1\nAwsS3Bucket b2\nAwsS3Bucket b3\nAwsS3Bucket b4\n+2 more',
    });
    expect(facts.status?.value).toBe('FAILED · NEW');
    expect(findingFacts(testFinding({ recordState: 'ARCHIVED' }), {}).status?.value).toBe('ARCHIVED');
  });

  it('has a headline for every notification kind', () => {
    const f = testFinding();
    expect(headline(testNotification())).toBe('New finding');
    expect(
      headline(
        testNotification({ kind: 'escalation', previous: { severity: { score: 4, label: 'MEDIUM' } } }),
      ),
    ).toBe('Severity raised: Medium 4.0 → High 7.2');
    expect(headline(testNotification({ kind: 'escalation' }))).toBe('Severity raised: High 7.2');
    expect(headline(testNotification({ kind: 'update', previous: { count: 2 } }))).toBe(
      'Seen again: count 2 → 3',
    );
    expect(headline(testNotification({ kind: 'repeat' }))).toBe('Still active (reminder)');
    expect(
      headline(testNotification({ kind: 'resolved', findings: [{ ...f, complianceStatus: 'PASSED' }] })),
    ).toBe('Resolved (passed)');
    expect(headline(testNotification({ kind: 'resolved' }))).toBe('Resolved');
    expect(headline(testNotification({ kind: 'digest', findings: [f, f] }))).toBe('2 findings');
    expect(
      headline(
        testNotification({
          kind: 'action-result',
          action: {
            type: 'iam-deactivate-key',
            dryRun: true,
            status: 'skipped',
            summary: 'key already inactive',
          },
        }),
      ),
    ).toBe('Action iam-deactivate-key skipped (dry run): key already inactive');
  });

  it('orders a digest worst first, keeping arrival order among equals', () => {
    const a = testFinding({ key: 'a', severity: { score: 5, label: 'MEDIUM' } });
    const b = testFinding({ key: 'b', severity: { score: 9, label: 'CRITICAL' } });
    const c = testFinding({ key: 'c', severity: { score: 5, label: 'MEDIUM' } });
    expect(bySeverity([a, b, c]).map((f) => f.key)).toEqual(['b', 'a', 'c']);
    const n = testNotification({
      kind: 'digest',
      group: { key: 'g', labels: { account: '884003976652', type: 'T' } },
    });
    expect(groupText(n, { '884003976652': 'prod' })).toBe('account=prod (884003976652), type=T');
  });
});

describe('safeConsoleUrl', () => {
  it.each([
    'https://us-west-2.console.aws.amazon.com/guardduty/home?region=us-west-2#/findings?fId=1',
    'https://console.aws.amazon.com/securityhub/home',
    'https://cn-north-1.console.amazonaws.cn/guardduty/home',
    'https://us-gov-west-1.console.amazonaws-us-gov.com/securityhub/home',
  ])('links %s', (url) => {
    expect(safeConsoleUrl(url)).toBe(url);
  });

  it.each([
    'http://us-west-2.console.aws.amazon.com/guardduty',
    'https://evil.example/console.aws.amazon.com',
    'https://console.aws.amazon.com.evil.example/',
    'https://user:pw@console.aws.amazon.com/',
    'https://console.aws.amazon.com:8443/',
    'javascript:alert(1)//console.aws.amazon.com',
    'not a url',
    `https://console.aws.amazon.com/${'a'.repeat(3000)}`,
  ])('refuses %s', (url) => {
    expect(safeConsoleUrl(url)).toBeUndefined();
  });
});

describe('text clean-up and truncation', () => {
  it('removes bidi and control characters but keeps newlines and tabs', () => {
    expect(stripInvisible('a\u202Eb\u2066c\u200Fd\u0007e\r\nf\tg')).toBe('abcde\nf\tg');
  });

  it('truncates visibly, never splitting a surrogate pair', () => {
    expect(truncate('short', 10)).toBe('short');
    const cut = truncate('😀'.repeat(100), 20);
    expect(cut.length).toBeLessThanOrEqual(20);
    expect(cut.endsWith(TRUNCATED)).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('fits escaped text without cutting an escape (property)', () => {
    const escapeHtmlish = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 20, max: 300 }), (s, max) => {
        const out = fitEscaped(s, max, escapeHtmlish);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/&(?!amp;|lt;)/);
        if (escapeHtmlish(s).length <= max) expect(out).toBe(escapeHtmlish(s));
        else expect(out.endsWith(TRUNCATED)).toBe(true);
      }),
    );
  });
});
