import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Finding } from '../findings/finding.js';
import { parseFindings } from '../findings/parse.js';
import { GUARDDUTY_TYPES, generateSamples } from './index.js';

const REFERENCE = fileURLToPath(
  new URL('../../../../../shared/samples/reference/guardduty-finding-types.json', import.meta.url),
);
interface ReferenceType {
  type: string;
  resourceCategory: string;
  defaultSeverity: string | null;
  retired: boolean;
}
const reference = (JSON.parse(readFileSync(REFERENCE, 'utf8')) as { types: ReferenceType[] }).types;
const activeTypes = reference.filter((t) => !t.retired && t.resourceCategory !== 'CustomDetectionRules');

// biome-ignore lint/suspicious/noExplicitAny: the test walks the untyped JSON of generated events
type Json = Record<string, any>;
const detailOf = (event: unknown): Json => (event as { detail: Json }).detail;

describe('generateSamples', () => {
  const all = generateSamples({ seed: 42 });
  const guardDuty = all.filter((e) => e['detail-type'] === 'GuardDuty Finding');

  it('covers exactly the active GuardDuty types of the reference list, one event each', () => {
    const covered = guardDuty.map((e) => detailOf(e).type as string);
    expect(covered.length).toBe(194);
    expect(new Set(covered).size).toBe(covered.length);
    expect(new Set(covered)).toEqual(new Set(activeTypes.map((t) => t.type)));
  });

  it('keeps the built-in type table equal to the reference list (category and default severity)', () => {
    const table = GUARDDUTY_TYPES.map(([type, category, severity]) => [type, category, severity]);
    const expected = activeTypes.map((t) => [t.type, t.resourceCategory, t.defaultSeverity ?? 'Unknown']);
    expect(table).toEqual(expected);
  });

  it('parses every generated sample, for several seeds', () => {
    for (const seed of [1, 42, 2 ** 31, -7]) {
      for (const event of generateSamples({ seed })) {
        const findings = parseFindings(event);
        expect(findings.length).toBeGreaterThan(0);
        for (const f of findings) {
          expect(f.resources.length, `${f.type} has resources`).toBeGreaterThan(0);
          expect(f.firstSeen).toMatch(/^\d{4}-\d\d-\d\dT/);
        }
      }
    }
  });

  it('marks GuardDuty samples like GuardDuty does and uses the documented default severity', () => {
    const scores: Record<string, number[]> = {
      Low: [2],
      Medium: [5],
      High: [8],
      Critical: [9],
      Variable: [2, 5, 8],
    };
    for (const event of guardDuty) {
      const detail = detailOf(event);
      expect(detail.service.additionalInfo.sample).toBe(true);
      const ref = activeTypes.find((t) => t.type === detail.type)!;
      expect(scores[ref.defaultSeverity ?? 'Medium'] ?? [5]).toContain(detail.severity);
      const [finding] = parseFindings(event) as [Finding];
      expect(finding.sample).toBe(true);
      expect(finding.consoleUrl).toContain(`fId=${detail.id}`);
    }
  });

  it('gives each type the resource and action sections of its family', () => {
    for (const event of guardDuty) {
      const { type, resource, service } = detailOf(event);
      const category = activeTypes.find((t) => t.type === type)!.resourceCategory;
      const actionType = service.action?.actionType;
      const context = `${type}: ${actionType} / ${resource.resourceType}`;
      if (type.startsWith('Recon:EC2/PortProbe')) expect(actionType, context).toBe('PORT_PROBE');
      if (type.includes('!DNS')) expect(actionType, context).toBe('DNS_REQUEST');
      if (category === 'EC2') {
        expect(resource.resourceType, context).toBe('Instance');
        expect(resource.instanceDetails.instanceId, context).toMatch(/^i-/);
        expect(['PORT_PROBE', 'DNS_REQUEST', 'NETWORK_CONNECTION'], context).toContain(actionType);
      }
      if (category === 'IAM') {
        expect(resource.resourceType, context).toBe('AccessKey');
        expect(actionType, context).toBe('AWS_API_CALL');
      }
      if (category === 'S3') {
        expect(resource.resourceType, context).toBe('S3Bucket');
        expect(resource.s3BucketDetails[0].name, context).toBeTypeOf('string');
        expect(actionType, context).toBe('AWS_API_CALL');
      }
      if (category === 'EKS') {
        expect(resource.resourceType, context).toBe('EKSCluster');
        expect(resource.kubernetesDetails.kubernetesUserDetails.username, context).toBeTypeOf('string');
        expect(actionType, context).toMatch(/^KUBERNETES_/);
        if (!/PermissionChecked|RoleBindingCreated|RoleCreated/.test(type))
          expect(actionType, context).toBe('KUBERNETES_API_CALL');
      }
      if (category === 'Runtime')
        expect(service.runtimeDetails.process.executablePath, context).toMatch(/^\//);
      if (category === 'Lambda') {
        expect(resource.resourceType, context).toBe('Lambda');
        expect(actionType, context).toBe('NETWORK_CONNECTION');
      }
      if (category === 'RDS') {
        expect(resource.resourceType, context).toBe('RDSDBInstance');
        expect(actionType, context).toBe('RDS_LOGIN_ATTEMPT');
      }
      if (category === 'MalwareProtectionEC2') {
        expect(
          service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.length,
          context,
        ).toBe(1);
        expect(resource.ebsVolumeDetails.scannedVolumeDetails.length, context).toBe(1);
      }
      if (category === 'MalwareProtectionS3' || category === 'MalwareProtectionBackup') {
        expect(service.malwareScanDetails.threats.length, context).toBe(1);
      }
      if (category === 'AttackSequence') {
        expect(resource.resourceType, context).toBe('AttackSequence');
        expect(service.detection.sequence.signals.length, context).toBeGreaterThan(0);
      }
    }
  });

  it('summarizes malware scans and attack sequences in the parsed Finding', () => {
    const kinds = (type: string) =>
      parseFindings(generateSamples({ type })[0])
        .flatMap((f) => f.resources)
        .map((r) => r.kind);
    expect(kinds('Execution:EC2/MaliciousFile')).toEqual(['Instance', 'MalwareScan']);
    expect(kinds('Object:S3/MaliciousFile')).toEqual(['S3Bucket', 'MalwareScan']);
    expect(kinds('AttackSequence:S3/CompromisedData')).toEqual(['AttackSequence', 'S3_BUCKET']);
  });

  it('includes the Security Hub ASFF and OCSF samples the issue asks for', () => {
    const hub = generateSamples({ source: 'securityhub', seed: 42 }).flatMap((e) => parseFindings(e));
    const summary = hub.map((f) => `${f.source} ${f.product} ${f.type} ${f.complianceStatus ?? '-'}`);
    expect(summary).toEqual([
      'securityhub Security Hub S3.8 FAILED',
      'securityhub Security Hub EC2.19 FAILED',
      'securityhub Security Hub EC2.7 PASSED',
      'securityhub Security Hub IAM.4 FAILED',
      'securityhub Security Hub CloudTrail.1 PASSED',
      'securityhub GuardDuty TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce -',
      'securityhub IAM Access Analyzer Software and Configuration Checks/AWS Security Best Practices/External Access Granted -',
      'securityhub Inspector Software and Configuration Checks/Vulnerabilities/CVE -',
      'securityhub-ocsf Security Hub S3.1 FAILED',
      'securityhub-ocsf GuardDuty UnauthorizedAccess:EC2/TorClient -',
      'securityhub-ocsf Inspector Software and Configuration Checks/Vulnerabilities/CVE -',
    ]);
    expect(hub.find((f) => f.product === 'GuardDuty' && f.source === 'securityhub')?.actor?.ip).toMatch(
      /^(198\.51\.100|203\.0\.113|192\.0\.2)\./,
    );
  });

  it('filters by source and by type', () => {
    expect(generateSamples({ source: 'guardduty' }).length).toBe(194);
    expect(generateSamples({ source: 'securityhub' }).length).toBe(11);
    const one = generateSamples({ type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom' });
    expect(one.map((e) => detailOf(e).type)).toEqual(['UnauthorizedAccess:EC2/MaliciousIPCaller.Custom']);
    expect(generateSamples({ type: 'S3.8' }).length).toBe(1);
    expect(generateSamples({ type: 'No:Such/Type' })).toEqual([]);
    expect(generateSamples({ source: 'securityhub', type: 'Recon:EC2/Portscan' })).toEqual([]);
  });

  it('is deterministic for a seed, independent of the filter, and varies with the seed', () => {
    const again = generateSamples({ seed: 42 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(all));
    const filtered = generateSamples({ seed: 42, type: 'Recon:EC2/Portscan' });
    expect(filtered[0]).toEqual(all.find((e) => detailOf(e).type === 'Recon:EC2/Portscan'));
    expect(JSON.stringify(generateSamples({ seed: 43 }))).not.toBe(JSON.stringify(all));
    expect(() => generateSamples({ seed: 1.5 })).toThrow(RangeError);
  });

  describe('without a clock', () => {
    afterEach(() => vi.useRealTimers());
    it('gives the same events whatever the current time is', () => {
      vi.useFakeTimers();
      vi.setSystemTime(new Date('2031-07-04T12:00:00Z'));
      expect(JSON.stringify(generateSamples({ seed: 42 }))).toBe(JSON.stringify(all));
    });
  });
});
