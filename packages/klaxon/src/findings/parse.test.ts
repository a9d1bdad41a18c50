import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FindingError } from './errors.js';
import { parseFindings } from './parse.js';

const SAMPLES = fileURLToPath(new URL('../../../../../shared/samples/', import.meta.url));
const load = (path: string): Record<string, unknown> => JSON.parse(readFileSync(`${SAMPLES}${path}`, 'utf8'));

function errorOf(fn: () => unknown): FindingError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FindingError) return err;
    throw err;
  }
  throw new Error('expected a FindingError');
}

const envelope = {
  version: '0',
  id: 'e1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.iam',
  account: '111122223333',
  time: '2024-05-01T10:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:iam::111122223333:user/alice'],
};

describe('parseFindings', () => {
  it('rejects values that are not EventBridge events, naming what is missing', () => {
    expect(errorOf(() => parseFindings([])).message).toBe(
      '(event): not an EventBridge event: expected a JSON object, got an array',
    );
    expect(errorOf(() => parseFindings(null)).path).toBe('');
    expect(errorOf(() => parseFindings({ ...envelope, 'detail-type': undefined })).message).toBe(
      'detail-type: required',
    );
    expect(errorOf(() => parseFindings({ ...envelope, account: 7 })).message).toBe(
      'account: must be a non-empty string, got a number',
    );
    expect(errorOf(() => parseFindings({ ...envelope, resources: 'x' })).path).toBe('resources');
  });

  it('names the path of a missing essential field in the second ASFF finding', () => {
    const event = load('securityhub-extra/custom-action--AFSBP-iam.6.json');
    const detail = event.detail as { findings: Record<string, unknown>[] };
    const second = { ...detail.findings[1] };
    delete second.AwsAccountId;
    const broken = {
      ...event,
      'detail-type': 'Security Hub Findings - Imported',
      detail: { findings: [detail.findings[0], second] },
    };
    const err = errorOf(() => parseFindings(broken));
    expect(err.message).toBe('detail.findings[1].AwsAccountId: required');
    expect(err.path).toBe('detail.findings[1].AwsAccountId');
    expect(err.name).toBe('FindingError');
  });

  it('returns every finding of a multi-finding ASFF event', () => {
    const findings = parseFindings(load('securityhub-extra/custom-action--AFSBP-iam.6.json'));
    expect(findings.map((f) => f.type)).toEqual(['IAM.6', 'RDS.4']);
    expect(new Set(findings.map((f) => f.key)).size).toBe(2);
  });

  it('parses the malformed CIS-bad event (no GeneratorId) gracefully, as documented', () => {
    const [finding] = parseFindings(load('securityhub-extra/invalid--CIS-bad.json'));
    expect(finding?.type).toBe('cis-aws-foundations-benchmark/v/1.2.0/1.3');
    expect(finding?.severity).toEqual({ score: 4, label: 'MEDIUM' });
  });

  it('requires the GuardDuty essentials', () => {
    const event = load('guardduty/Recon_EC2-PortProbeUnprotectedPort.json');
    const detail = event.detail as Record<string, unknown>;
    for (const key of ['arn', 'type', 'accountId', 'region', 'severity']) {
      const copy = { ...detail };
      delete copy[key];
      expect(errorOf(() => parseFindings({ ...event, detail: copy })).message).toBe(
        `detail.${key}: required`,
      );
    }
    expect(errorOf(() => parseFindings({ ...event, detail: 'x' })).message).toBe(
      'detail: must be an object, got a string',
    );
  });

  it('requires the OCSF essentials', () => {
    const event = load('securityhub-v2/asr-mock--ocsf-compliance-finding_S3.1--High_fail.json');
    const finding = (event.detail as { findings: Record<string, unknown>[] }).findings[0]!;
    const noUid = { ...finding, finding_info: { title: 't' } };
    expect(errorOf(() => parseFindings({ ...event, detail: { findings: [noUid] } })).message).toBe(
      'detail.findings[0].finding_info.uid: required',
    );
    const noAccount = { ...finding, cloud: {} };
    expect(errorOf(() => parseFindings({ ...event, detail: { findings: [noAccount] } })).message).toBe(
      'detail.findings[0].cloud.account.uid: required',
    );
    expect(errorOf(() => parseFindings({ ...event, detail: { findings: [] } })).path).toBe('detail.findings');
  });

  it('dispatches on detail-type, so replayed test events with a custom source parse the same', () => {
    const event = load('guardduty/Recon_EC2-PortProbeUnprotectedPort.json');
    const [real] = parseFindings(event);
    const [replayed] = parseFindings({ ...event, source: 'klaxon.test' });
    expect(replayed?.source).toBe('guardduty');
    expect(replayed?.key).toBe(real?.key);
  });

  it('keeps the GuardDuty account from the detail, not the envelope', () => {
    const [finding] = parseFindings(load('guardduty/UnauthorizedAccess_IAMUser-TorIPCaller--custodian.json'));
    expect(finding?.account).toBe('883606788610');
    expect(finding?.event.account).toBe('101010101111');
  });

  it('turns any other event into one generic finding with a CloudTrail actor', () => {
    const detail = {
      eventName: 'CreateAccessKey',
      eventSource: 'iam.amazonaws.com',
      sourceIPAddress: '203.0.113.9',
      userAgent: 'aws-cli/2',
    };
    const [finding] = parseFindings({ ...envelope, detail, extra: { kept: true } });
    expect(finding).toMatchObject({
      key: 'e1',
      source: 'event',
      product: 'aws.iam',
      type: 'AWS API Call via CloudTrail',
      severity: { score: 0, label: 'INFORMATIONAL' },
      account: '111122223333',
      region: 'us-east-1',
      partition: 'aws',
      firstSeen: '2024-05-01T10:00:00.000Z',
      count: 1,
      resources: [{ kind: 'iam:user', id: 'arn:aws:iam::111122223333:user/alice', details: {} }],
      actor: {
        ip: '203.0.113.9',
        userAgent: 'aws-cli/2',
        api: 'CreateAccessKey',
        serviceName: 'iam.amazonaws.com',
      },
    });
    expect((finding!.event as Record<string, unknown>).extra).toEqual({ kept: true });
  });

  it('keeps unknown fields in raw and accepts unknown types and resource kinds', () => {
    const event = load('guardduty/Recon_EC2-PortProbeUnprotectedPort.json');
    const detail = {
      ...(event.detail as Record<string, unknown>),
      type: 'Novel:EC2/SomethingNew',
      futureField: { a: 1 },
      resource: { resourceType: 'QuantumComputer', lambdaDetails: { functionName: 'fn' } },
    };
    const [finding] = parseFindings({ ...event, detail });
    expect(finding?.type).toBe('Novel:EC2/SomethingNew');
    expect((finding!.raw as Record<string, unknown>).futureField).toEqual({ a: 1 });
    expect(finding?.resources).toEqual([{ kind: 'Lambda', id: 'fn', name: 'fn', details: {} }]);
  });

  it('does not read inherited properties of event objects', () => {
    const event = {
      ...envelope,
      'detail-type': 'GuardDuty Finding',
      detail: JSON.parse('{"__proto__": {"arn": "x"}}'),
    };
    expect(errorOf(() => parseFindings(event)).message).toBe('detail.arn: required');
  });
});
