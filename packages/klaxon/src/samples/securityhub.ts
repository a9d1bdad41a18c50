/**
 * Sample Security Hub events: ASFF `Security Hub Findings - Imported` (FSBP and CIS control
 * findings FAILED and PASSED, a GuardDuty finding, an IAM Access Analyzer finding, an Inspector
 * vulnerability) and `Findings Imported V2` OCSF findings (Compliance, Detection, Vulnerability).
 * Shapes follow the real events in ../shared/samples/securityhub*; ids, names and times come from
 * the sample's random stream.
 */
import type { EventEnvelope } from '../findings/finding.js';
import { awsId, documentationIp, isoBefore, privateIp, type SampleContext, uuid } from './context.js';

type Json = Record<string, unknown>;

const LABEL_NORMALIZED: Readonly<Record<string, number>> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};

function importedEvent(ctx: SampleContext, finding: Json): EventEnvelope {
  const time = isoBefore(ctx, 0);
  return {
    version: '0',
    id: uuid(ctx),
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: ctx.account,
    time: `${time.slice(0, 19)}Z`,
    region: ctx.region,
    resources: [(finding.ProductFields as Json)['aws/securityhub/FindingId'] as string],
    detail: { findings: [finding] },
  };
}

function productArn(ctx: SampleContext, product: string): string {
  return `arn:${ctx.partition}:securityhub:${ctx.region}::product/aws/${product}`;
}

interface Control {
  readonly standard: 'fsbp' | 'cis';
  readonly controlId: string;
  readonly title: string;
  readonly label: string;
  readonly status: 'FAILED' | 'PASSED';
  readonly resource: (ctx: SampleContext) => Json;
}

const STANDARDS = {
  fsbp: {
    path: 'aws-foundational-security-best-practices/v/1.0.0',
    type: 'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
  },
  cis: {
    path: 'cis-aws-foundations-benchmark/v/3.0.0',
    type: 'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark',
  },
} as const;

const bucketResource = (ctx: SampleContext): Json => {
  const name = `company-data-${ctx.random.hex(6)}`;
  return {
    Type: 'AwsS3Bucket',
    Id: `arn:${ctx.partition}:s3:::${name}`,
    Partition: ctx.partition,
    Region: ctx.region,
    Details: { AwsS3Bucket: { OwnerId: ctx.random.hex(64), CreatedAt: isoBefore(ctx, 60 * 24 * 90) } },
  };
};
const accountResource = (ctx: SampleContext): Json => ({
  Type: 'AwsAccount',
  Id: `AWS::::Account:${ctx.account}`,
  Partition: ctx.partition,
  Region: ctx.region,
});
const securityGroupResource = (ctx: SampleContext): Json => {
  const id = awsId(ctx, 'sg');
  return {
    Type: 'AwsEc2SecurityGroup',
    Id: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.account}:security-group/${id}`,
    Partition: ctx.partition,
    Region: ctx.region,
    Details: {
      AwsEc2SecurityGroup: {
        GroupName: 'launch-wizard-1',
        GroupId: id,
        OwnerId: ctx.account,
        VpcId: awsId(ctx, 'vpc'),
      },
    },
  };
};
const instanceResource = (ctx: SampleContext): Json => {
  const id = awsId(ctx, 'i');
  return {
    Type: 'AwsEc2Instance',
    Id: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.account}:instance/${id}`,
    Partition: ctx.partition,
    Region: ctx.region,
    Tags: { Name: ctx.random.pick(['web-01', 'bastion', 'api-server']) },
    Details: {
      AwsEc2Instance: {
        Type: 't3.medium',
        ImageId: awsId(ctx, 'ami'),
        IpV4Addresses: [documentationIp(ctx), privateIp(ctx)],
        VpcId: awsId(ctx, 'vpc'),
        SubnetId: awsId(ctx, 'subnet'),
        LaunchedAt: isoBefore(ctx, 60 * 24 * 30),
      },
    },
  };
};

const CONTROLS: readonly Control[] = [
  {
    standard: 'fsbp',
    controlId: 'S3.8',
    title: 'S3 general purpose buckets should block public access',
    label: 'HIGH',
    status: 'FAILED',
    resource: bucketResource,
  },
  {
    standard: 'fsbp',
    controlId: 'EC2.19',
    title: 'Security groups should not allow unrestricted access to ports with high risk',
    label: 'CRITICAL',
    status: 'FAILED',
    resource: securityGroupResource,
  },
  {
    standard: 'fsbp',
    controlId: 'EC2.7',
    title: 'EBS default encryption should be enabled',
    label: 'MEDIUM',
    status: 'PASSED',
    resource: accountResource,
  },
  {
    standard: 'cis',
    controlId: 'IAM.4',
    title: 'IAM root user access key should not exist',
    label: 'CRITICAL',
    status: 'FAILED',
    resource: accountResource,
  },
  {
    standard: 'cis',
    controlId: 'CloudTrail.1',
    title: 'CloudTrail should be enabled and configured with at least one multi-Region trail',
    label: 'HIGH',
    status: 'PASSED',
    resource: accountResource,
  },
];

function controlFinding(ctx: SampleContext, control: Control): EventEnvelope {
  const standard = STANDARDS[control.standard];
  const id = `arn:${ctx.partition}:securityhub:${ctx.region}:${ctx.account}:security-control/${control.controlId}/finding/${uuid(ctx)}`;
  const product = productArn(ctx, 'securityhub');
  const passed = control.status === 'PASSED';
  const label = passed ? 'INFORMATIONAL' : control.label;
  const first = isoBefore(ctx, 60 * 24 * (1 + ctx.random.int(60)));
  const last = isoBefore(ctx, 5);
  return importedEvent(ctx, {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: product,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: ctx.region,
    GeneratorId: `security-control/${control.controlId}`,
    AwsAccountId: ctx.account,
    Types: [standard.type],
    FirstObservedAt: first,
    LastObservedAt: last,
    CreatedAt: first,
    UpdatedAt: last,
    Severity: { Label: label, Normalized: LABEL_NORMALIZED[label], Original: label },
    Title: control.title,
    Description: `This control checks: ${control.title.toLowerCase()}.`,
    Remediation: {
      Recommendation: {
        Text: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
        Url: `https://docs.aws.amazon.com/console/securityhub/${control.controlId}/remediation`,
      },
    },
    ProductFields: {
      RelatedAWSResources: '',
      'aws/securityhub/ProductName': 'Security Hub',
      'aws/securityhub/CompanyName': 'AWS',
      'aws/securityhub/annotation': passed ? '' : 'The resource does not meet the control requirement.',
      'aws/securityhub/FindingId': `${product}/${id}`,
    },
    Resources: [control.resource(ctx)],
    Compliance: {
      Status: control.status,
      SecurityControlId: control.controlId,
      AssociatedStandards: [{ StandardsId: `standards/${standard.path}` }],
    },
    WorkflowState: passed ? 'RESOLVED' : 'NEW',
    Workflow: { Status: passed ? 'RESOLVED' : 'NEW' },
    RecordState: passed ? 'ARCHIVED' : 'ACTIVE',
    FindingProviderFields: { Severity: { Label: label, Original: label }, Types: [standard.type] },
  });
}

function guardDutyAsff(ctx: SampleContext): EventEnvelope {
  const detectorId = ctx.random.hex(32);
  const findingId = ctx.random.hex(32);
  const id = `arn:${ctx.partition}:guardduty:${ctx.region}:${ctx.account}:detector/${detectorId}/finding/${findingId}`;
  const product = productArn(ctx, 'guardduty');
  const instance = instanceResource(ctx);
  const attacker = documentationIp(ctx);
  const first = isoBefore(ctx, 60 * 6);
  const last = isoBefore(ctx, 3);
  return importedEvent(ctx, {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: product,
    ProductName: 'GuardDuty',
    CompanyName: 'Amazon',
    Region: ctx.region,
    GeneratorId: `arn:${ctx.partition}:guardduty:${ctx.region}:${ctx.account}:detector/${detectorId}`,
    AwsAccountId: ctx.account,
    Types: ['TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce'],
    FirstObservedAt: first,
    LastObservedAt: last,
    CreatedAt: first,
    UpdatedAt: last,
    Severity: { Product: 2, Label: 'LOW', Normalized: 20 },
    Title: `${attacker} is performing SSH brute force attacks against ${String(instance.Id).split('/').at(-1)}.`,
    Description: `${attacker} is performing SSH brute force attacks. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.`,
    SourceUrl: `https://${ctx.region}.console.aws.amazon.com/guardduty/home?region=${ctx.region}#/findings?macros=current&fId=${findingId}`,
    ProductFields: {
      'aws/guardduty/service/action/actionType': 'NETWORK_CONNECTION',
      'aws/guardduty/service/action/networkConnectionAction/connectionDirection': 'INBOUND',
      'aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/ipAddressV4': attacker,
      'aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/organization/asn': '64501',
      'aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/organization/asnOrg':
        'Sample Cloud LLC',
      'aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/country/countryName':
        'United States',
      'aws/guardduty/service/action/networkConnectionAction/localPortDetails/port': '22',
      'aws/guardduty/service/count': String(1 + ctx.random.int(100)),
      'aws/guardduty/service/additionalInfo/sample': 'true',
      'aws/securityhub/FindingId': `${product}/${id}`,
      'aws/securityhub/ProductName': 'GuardDuty',
      'aws/securityhub/CompanyName': 'Amazon',
    },
    Resources: [instance],
    Action: {
      ActionType: 'NETWORK_CONNECTION',
      NetworkConnectionAction: {
        ConnectionDirection: 'INBOUND',
        RemoteIpDetails: {
          IpAddressV4: attacker,
          Organization: {
            Asn: 64501,
            AsnOrg: 'Sample Cloud LLC',
            Isp: 'Sample Cloud LLC',
            Org: 'Sample Cloud LLC',
          },
          Country: { CountryName: 'United States' },
          City: { CityName: 'Ashburn' },
        },
        LocalPortDetails: { Port: 22, PortName: 'SSH' },
        Protocol: 'TCP',
        Blocked: false,
      },
    },
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  });
}

function accessAnalyzerAsff(ctx: SampleContext): EventEnvelope {
  const bucket = `shared-reports-${ctx.random.hex(6)}`;
  const analyzer = `arn:${ctx.partition}:access-analyzer:${ctx.region}:${ctx.account}:analyzer/account-analyzer`;
  const id = `${analyzer}/arn:${ctx.partition}:s3:::${bucket}`;
  const product = productArn(ctx, 'access-analyzer');
  const time = isoBefore(ctx, 2);
  return importedEvent(ctx, {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: product,
    GeneratorId: 'aws/access-analyzer',
    AwsAccountId: ctx.account,
    Types: ['Software and Configuration Checks/AWS Security Best Practices/External Access Granted'],
    CreatedAt: time,
    UpdatedAt: time,
    Severity: { Product: 1, Label: 'LOW', Normalized: 1 },
    Title: `AwsS3Bucket/arn:${ctx.partition}:s3:::${bucket}/ allows cross-account access`,
    Description: `AWS::S3::Bucket/arn:${ctx.partition}:s3:::${bucket}/ allows cross-account access from AWS 444455556666`,
    Remediation: {
      Recommendation: { Text: 'If the access is not intended, modify or remove the policy that grants it.' },
    },
    ProductFields: {
      'aws/securityhub/FindingId': `${product}/${id}`,
      'aws/securityhub/ProductName': 'IAM Access Analyzer',
    },
    Resources: [
      {
        Type: 'AwsS3Bucket',
        Id: `arn:${ctx.partition}:s3:::${bucket}`,
        Details: {
          Other: {
            'External Principal Type': 'AWS',
            Condition: 'none',
            'Action Granted': 's3:GetObject',
            'External Principal': '444455556666',
          },
        },
      },
    ],
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  });
}

function inspectorAsff(ctx: SampleContext): EventEnvelope {
  const instance = instanceResource(ctx);
  const findingId = ctx.random.hex(32);
  const id = `arn:${ctx.partition}:inspector2:${ctx.region}:${ctx.account}:finding/${findingId}`;
  const product = productArn(ctx, 'inspector');
  const first = isoBefore(ctx, 60 * 24 * 3);
  const last = isoBefore(ctx, 30);
  return importedEvent(ctx, {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: product,
    ProductName: 'Inspector',
    CompanyName: 'Amazon',
    Region: ctx.region,
    GeneratorId: 'AWSInspector',
    AwsAccountId: ctx.account,
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    FirstObservedAt: first,
    LastObservedAt: last,
    CreatedAt: first,
    UpdatedAt: last,
    Severity: { Label: 'HIGH', Normalized: 70 },
    Title: 'CVE-2024-6387 - openssh, openssh-server',
    Description:
      'A signal handler race condition was found in OpenSSH server (sshd) that may allow remote code execution as root.',
    Remediation: { Recommendation: { Text: 'Update openssh to 8.7p1-38.el9_4.1 or later.' } },
    ProductFields: {
      'aws/inspector/FindingStatus': 'ACTIVE',
      'aws/inspector/inspectorScore': '8.1',
      'aws/inspector/ProductVersion': '2',
      'aws/securityhub/FindingId': `${product}/${id}`,
      'aws/securityhub/ProductName': 'Inspector',
      'aws/securityhub/CompanyName': 'Amazon',
    },
    Resources: [instance],
    Vulnerabilities: [
      {
        Id: 'CVE-2024-6387',
        VulnerablePackages: [
          {
            Name: 'openssh-server',
            Version: '8.7p1',
            Release: '38.el9',
            Architecture: 'X86_64',
            PackageManager: 'OS',
            FixedInVersion: '0:8.7p1-38.el9_4.1',
          },
        ],
        Cvss: [
          {
            Version: '3.1',
            BaseScore: 8.1,
            BaseVector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H',
            Source: 'NVD',
          },
        ],
        Vendor: {
          Name: 'NVD',
          Url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-6387',
          VendorSeverity: 'HIGH',
        },
        ReferenceUrls: ['https://nvd.nist.gov/vuln/detail/CVE-2024-6387'],
        FixAvailable: 'YES',
        ExploitAvailable: 'YES',
      },
    ],
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  });
}

function v2Event(ctx: SampleContext, finding: Json): EventEnvelope {
  const time = isoBefore(ctx, 0);
  return {
    version: '0',
    id: uuid(ctx),
    'detail-type': 'Findings Imported V2',
    source: 'aws.securityhub',
    account: ctx.account,
    time: `${time.slice(0, 19)}Z`,
    region: ctx.region,
    resources: [(finding.metadata as Json).uid as string],
    detail: { findings: [finding] },
  };
}

function ocsfBase(
  ctx: SampleContext,
  classUid: number,
  className: string,
  severityId: number,
  severity: string,
  productName: string,
): Json {
  const nowSeconds = Math.floor(ctx.now / 1000);
  return {
    class_uid: classUid,
    class_name: className,
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: classUid * 100 + 1,
    severity_id: severityId,
    severity,
    status_id: 1,
    status: 'New',
    time: nowSeconds * 1000,
    time_dt: new Date(nowSeconds * 1000).toISOString(),
    cloud: { provider: 'AWS', region: ctx.region, account: { uid: ctx.account, type: 'AWS Account' } },
    metadata: {
      uid: ctx.random.hex(64),
      version: '1.6.0',
      product: {
        uid: productArn(ctx, productName === 'Security Hub' ? 'securityhub' : productName.toLowerCase()),
        name: productName,
        vendor_name: 'AWS',
      },
    },
  };
}

function ocsfCompliance(ctx: SampleContext): EventEnvelope {
  const bucket = `company-data-${ctx.random.hex(6)}`;
  const uid = `arn:${ctx.partition}:securityhub:${ctx.region}:${ctx.account}:security-control/S3.1/finding/${uuid(ctx)}`;
  const first = isoBefore(ctx, 60 * 24 * 7);
  const last = isoBefore(ctx, 10);
  return v2Event(ctx, {
    ...ocsfBase(ctx, 2003, 'Compliance Finding', 3, 'Medium', 'Security Hub'),
    finding_info: {
      uid,
      title: 'S3 general purpose buckets should have block public access settings enabled',
      desc: 'This control checks whether the preceding Amazon S3 block public access settings are configured at the account level.',
      types: [
        'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
      ],
      created_time_dt: first,
      first_seen_time_dt: first,
      last_seen_time_dt: last,
      modified_time_dt: last,
    },
    compliance: {
      control: 'S3.1',
      status: 'Fail',
      status_id: 3,
      standards: ['standards/aws-foundational-security-best-practices/v/1.0.0'],
    },
    resources: [
      {
        type: 'AWS::S3::Bucket',
        uid: bucket,
        uid_alt: `arn:${ctx.partition}:s3:::${bucket}`,
        region: ctx.region,
        cloud_partition: ctx.partition,
        owner: { account: { uid: ctx.account } },
        tags: [],
      },
    ],
    remediation: { desc: 'Enable S3 Block Public Access at the account level.' },
  });
}

function ocsfDetection(ctx: SampleContext): EventEnvelope {
  const instance = awsId(ctx, 'i');
  const ip = documentationIp(ctx);
  const uid = `arn:${ctx.partition}:guardduty:${ctx.region}:${ctx.account}:detector/${ctx.random.hex(32)}/finding/${ctx.random.hex(32)}`;
  const first = isoBefore(ctx, 60 * 3);
  const last = isoBefore(ctx, 1);
  return v2Event(ctx, {
    ...ocsfBase(ctx, 2004, 'Detection Finding', 4, 'High', 'GuardDuty'),
    finding_info: {
      uid,
      title: `EC2 instance ${instance} is communicating with a Tor entry node.`,
      desc: 'The EC2 instance is making connections to a Tor network entry node.',
      types: ['UnauthorizedAccess:EC2/TorClient'],
      first_seen_time_dt: first,
      last_seen_time_dt: last,
      created_time_dt: first,
      modified_time_dt: last,
    },
    resources: [
      {
        type: 'AWS::EC2::Instance',
        uid: instance,
        uid_alt: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.account}:instance/${instance}`,
        region: ctx.region,
        cloud_partition: ctx.partition,
        tags: [{ name: 'Name', value: 'build-runner' }],
      },
    ],
    evidences: [
      {
        src_endpoint: {
          ip,
          location: { country: 'Netherlands', city: 'Amsterdam' },
          autonomous_system: { name: 'Example Hosting B.V.', number: 64500 },
        },
        connection_info: { direction: 'Outbound', protocol_name: 'TCP' },
      },
    ],
  });
}

function ocsfVulnerability(ctx: SampleContext): EventEnvelope {
  const repository = `${ctx.account}.dkr.ecr.${ctx.region}.amazonaws.com/payments-api`;
  const digest = `sha256:${ctx.random.hex(64)}`;
  const uid = `arn:${ctx.partition}:inspector2:${ctx.region}:${ctx.account}:finding/${ctx.random.hex(32)}`;
  const first = isoBefore(ctx, 60 * 24 * 2);
  const last = isoBefore(ctx, 60);
  return v2Event(ctx, {
    ...ocsfBase(ctx, 2002, 'Vulnerability Finding', 5, 'Critical', 'Inspector'),
    finding_info: {
      uid,
      title: 'CVE-2021-44228 - org.apache.logging.log4j:log4j-core',
      desc: 'Apache Log4j2 JNDI features do not protect against attacker controlled LDAP and other JNDI related endpoints.',
      types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
      first_seen_time_dt: first,
      last_seen_time_dt: last,
    },
    vulnerabilities: [
      {
        cve: { uid: 'CVE-2021-44228', cvss: [{ version: '3.1', base_score: 10 }] },
        affected_packages: [
          { name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1', fixed_in_version: '2.17.1' },
        ],
        is_fix_available: true,
        is_exploit_available: true,
      },
    ],
    resources: [
      {
        type: 'AWS::ECR::ContainerImage',
        uid: `${repository}@${digest}`,
        name: 'payments-api',
        region: ctx.region,
        cloud_partition: ctx.partition,
      },
    ],
  });
}

/** One named Security Hub sample builder (the name is used to derive the sample's random stream). */
export interface SecurityHubSample {
  readonly name: string;
  readonly build: (ctx: SampleContext) => EventEnvelope;
}

/** Every Security Hub sample, ASFF first, then OCSF (V2). */
export const SECURITY_HUB_SAMPLES: readonly SecurityHubSample[] = [
  ...CONTROLS.map((control) => ({
    name: `asff-${control.standard}-${control.controlId}-${control.status}`,
    build: (ctx: SampleContext) => controlFinding(ctx, control),
  })),
  { name: 'asff-guardduty', build: guardDutyAsff },
  { name: 'asff-access-analyzer', build: accessAnalyzerAsff },
  { name: 'asff-inspector', build: inspectorAsff },
  { name: 'ocsf-compliance', build: ocsfCompliance },
  { name: 'ocsf-detection', build: ocsfDetection },
  { name: 'ocsf-vulnerability', build: ocsfVulnerability },
];
