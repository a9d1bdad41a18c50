import { describe, expect, it } from 'vitest';
import { testFinding, testNotification } from '../testdata/notifications.js';
import { actorText, DIGEST_LISTED, MAX_DESCRIPTION, plainTextBody, subjectLine } from './plain-text.js';

const ctx = { accountAliases: { '884003976652': 'prod' } };

describe('subjectLine', () => {
  it('tags each kind', () => {
    const subject = (kind: Parameters<typeof testNotification>[0]) =>
      subjectLine(testNotification(kind), ctx, '[K]', 200).replace(/: Unprotected.*$/, '');
    expect(subject({ kind: 'new' })).toBe('[K] HIGH GuardDuty');
    expect(subject({ kind: 'escalation' })).toBe('[K] ESCALATED to HIGH GuardDuty');
    expect(subject({ kind: 'update' })).toBe('[K] UPDATED HIGH GuardDuty');
    expect(subject({ kind: 'repeat' })).toBe('[K] REMINDER HIGH GuardDuty');
    expect(subject({ kind: 'resolved' })).toBe('[K] RESOLVED GuardDuty');
    expect(
      subject({
        kind: 'action-result',
        action: { type: 'ec2-isolate', dryRun: true, status: 'succeeded', summary: 's' },
      }),
    ).toBe('[K] ACTION ec2-isolate succeeded (dry run) GuardDuty');
  });

  it('cuts at max with an ellipsis and never splits a surrogate pair', () => {
    const n = testNotification({ findings: [testFinding({ title: '😀'.repeat(100) })] });
    for (let max = 20; max < 60; max++) {
      const s = subjectLine(n, ctx, '', max);
      expect(s.length).toBeLessThanOrEqual(max);
      expect(s.endsWith('…')).toBe(true);
      expect(s).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });
});

describe('actorText', () => {
  it('joins what is known, in a fixed order', () => {
    expect(
      actorText({ ip: '198.51.100.1', country: 'France', city: 'Paris', asn: '16276', api: 'ListBuckets' }),
    ).toBe('198.51.100.1 · Paris, France · AS16276 · ListBuckets');
    expect(actorText({ userAgent: 'curl/8' })).toBe('user agent curl/8');
    expect(actorText({})).toBeUndefined();
    expect(actorText(undefined)).toBeUndefined();
  });
});

describe('plainTextBody', () => {
  it('bounds the description and keeps one value per line', () => {
    const body = plainTextBody(
      testNotification({ findings: [testFinding({ description: `a\nFake: line\n${'b'.repeat(10_000)}` })] }),
      ctx,
    );
    const line = body.split('\n').find((l) => l.startsWith('a Fake: line'));
    expect(line?.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
    expect(line?.endsWith('… (truncated)')).toBe(true);
    expect(body).not.toMatch(/^Fake: line/m);
  });

  it('lists a large digest up to the limit and says how many more', () => {
    const findings = Array.from({ length: DIGEST_LISTED + 7 }, (_, i) =>
      testFinding({ key: `k${i}`, title: `t${i}` }),
    );
    const body = plainTextBody(
      testNotification({
        kind: 'digest',
        findings,
        group: { key: 'g', labels: { account: '884003976652' } },
      }),
      ctx,
    );
    expect(body.startsWith(`${DIGEST_LISTED + 7} findings, worst High (account=prod (884003976652))`)).toBe(
      true,
    );
    expect(body).toContain(`${DIGEST_LISTED}. [High 7.2] GuardDuty: t${DIGEST_LISTED - 1}`);
    expect(body).not.toContain(`${DIGEST_LISTED + 1}. [`);
    expect(body).toContain('+7 more not listed');
  });
});
