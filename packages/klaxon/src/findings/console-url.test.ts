import { describe, expect, it } from 'vitest';
import { consoleUrl } from './console-url.js';

const gd = {
  source: 'guardduty' as const,
  key: 'arn:aws:guardduty:eu-west-1:111122223333:detector/d1/finding/f1',
  region: 'eu-west-1',
  partition: 'aws',
};

describe('consoleUrl', () => {
  it('links GuardDuty findings per partition', () => {
    expect(consoleUrl(gd)).toBe(
      'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings?macros=current&fId=f1',
    );
    expect(consoleUrl({ ...gd, partition: 'aws-cn', region: 'cn-north-1' })).toBe(
      'https://console.amazonaws.cn/guardduty/home?region=cn-north-1#/findings?macros=current&fId=f1',
    );
    expect(consoleUrl({ ...gd, partition: 'aws-us-gov', region: 'us-gov-west-1' })).toBe(
      'https://console.amazonaws-us-gov.com/guardduty/home?region=us-gov-west-1#/findings?macros=current&fId=f1',
    );
  });

  it('prefers detail.id over the ARN tail for GuardDuty', () => {
    expect(consoleUrl({ ...gd, raw: { id: 'abc' } })).toMatch(/fId=abc$/);
  });

  it('links Security Hub findings with the double-encoded Id filter', () => {
    const url = consoleUrl({
      source: 'securityhub',
      key: 'arn:aws:securityhub:us-east-1::product/aws/securityhub|arn:aws:securityhub:us-east-1:1:subscription/x/finding/a b',
      region: 'us-east-1',
      partition: 'aws',
    });
    expect(url).toBe(
      'https://us-east-1.console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aarn%253Aaws%253Asecurityhub%253Aus-east-1%253A1%253Asubscription%252Fx%252Ffinding%252Fa%2520b',
    );
  });

  it('gives no link for unknown partitions, OCSF, generic events or a hostile region', () => {
    expect(consoleUrl({ ...gd, partition: 'aws-iso' })).toBeUndefined();
    expect(consoleUrl({ ...gd, source: 'securityhub-ocsf' })).toBeUndefined();
    expect(consoleUrl({ ...gd, source: 'event' })).toBeUndefined();
    expect(consoleUrl({ ...gd, region: 'evil.example/#' })).toBeUndefined();
    expect(consoleUrl({ ...gd, region: 'us-east-1.evil.example' })).toBeUndefined();
  });

  it('encodes attacker-controlled ids instead of letting them shape the URL', () => {
    const url = consoleUrl({ ...gd, raw: { id: 'x&fId=y#/z' } });
    expect(url).toMatch(/fId=x%26fId%3Dy%23%2Fz$/);
  });
});
