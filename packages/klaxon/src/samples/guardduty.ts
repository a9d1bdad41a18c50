/**
 * One sample `GuardDuty Finding` event per active finding type, shaped like the findings that
 * GuardDuty's CreateSampleFindings produces (`service.additionalInfo.sample: true`): the resource
 * section follows the type's resource category and the `service.action` follows its family —
 * PORT_PROBE (Recon:EC2/PortProbe*), DNS_REQUEST (`!DNS` types and domain-reputation types),
 * NETWORK_CONNECTION (other network types, Lambda), AWS_API_CALL (IAM and S3 types),
 * KUBERNETES_API_CALL and its permission/role variants (EKS types), RDS_LOGIN_ATTEMPT (RDS),
 * `runtimeDetails.process` (Runtime types), malware scan details (Malware Protection types) and
 * `detection.sequence` (attack sequences).
 */
import type { EventEnvelope } from '../findings/finding.js';
import { awsId, documentationIp, isoBefore, privateIp, type SampleContext, uuid } from './context.js';
import {
  accessKeyDetails,
  backupResource,
  containerDetails,
  ebsVolumeDetails,
  ecsClusterDetails,
  eksClusterDetails,
  instanceDetails,
  kubernetesDetails,
  lambdaDetails,
  rdsDetails,
  s3BucketDetails,
} from './guardduty-resources.js';
import type { DefaultSeverity, GuardDutyCategory } from './guardduty-types.js';

type Json = Record<string, unknown>;

/** A typical score inside each documented band (GuardDuty's own samples use 2, 5 and 8). */
const SCORES: Readonly<Record<Exclude<DefaultSeverity, 'Variable' | 'Unknown'>, number>> = {
  Low: 2,
  Medium: 5,
  High: 8,
  Critical: 9,
};

// Documentation ASNs (RFC 5398) with made-up organizations: realistic shape, no real network.
const ORGANIZATIONS = [
  {
    asn: '64500',
    org: 'Example Hosting B.V.',
    country: 'Netherlands',
    city: 'Amsterdam',
    lat: 52.37,
    lon: 4.89,
  },
  {
    asn: '64501',
    org: 'Sample Cloud LLC',
    country: 'United States',
    city: 'Ashburn',
    lat: 39.04,
    lon: -77.49,
  },
  { asn: '64502', org: 'Demo Telecom', country: 'Brazil', city: 'Sao Paulo', lat: -23.55, lon: -46.63 },
  { asn: '64503', org: 'Test Networks Ltd', country: 'Singapore', city: 'Singapore', lat: 1.35, lon: 103.82 },
];

function remoteIpDetails(ctx: SampleContext): Json {
  const o = ctx.random.pick(ORGANIZATIONS);
  return {
    ipAddressV4: documentationIp(ctx),
    organization: { asn: o.asn, asnOrg: o.org, isp: o.org, org: o.org },
    country: { countryName: o.country },
    city: { cityName: o.city },
    geoLocation: { lat: o.lat, lon: o.lon },
  };
}

function severityScore(ctx: SampleContext, severity: DefaultSeverity): number {
  if (severity === 'Variable') return ctx.random.pick([2, 5, 8]);
  if (severity === 'Unknown') return 5;
  return SCORES[severity];
}

/** "Recon:EC2/PortProbeUnprotectedPort" → { tactic: "Recon", resource: "EC2", technique: "PortProbeUnprotectedPort" }. */
function splitType(type: string): { tactic: string; resource: string; technique: string } {
  const [tactic = '', rest = ''] = type.split(':', 2);
  const [resource = '', technique = ''] = rest.split('/', 2);
  return { tactic, resource, technique };
}

function threatDomain(ctx: SampleContext, technique: string): string {
  if (/Bitcoin|Crypto/i.test(technique)) return 'pool.coin-mining.example';
  if (/DGA/.test(technique)) return `${ctx.random.hex(12)}.example`;
  if (/Phishing/.test(technique)) return 'secure-login.phishing.example';
  if (/DriveBy/.test(technique)) return 'drive-by.malware.example';
  if (/DropPoint/.test(technique)) return 'drop.exfiltration.example';
  if (/Blackhole/.test(technique)) return 'sinkholed.example';
  if (/DNSDataExfiltration/.test(technique)) return `${ctx.random.hex(40)}.tunnel.example`;
  if (/MetadataDNSRebind/.test(technique)) return 'rebind-169-254-169-254.example';
  if (/Abused/.test(technique)) return 'free-hosting.abused.example';
  if (/Suspicious/.test(technique)) return 'newly-registered.suspicious.example';
  if (/C&C/.test(technique)) return 'c2.command-control.example';
  return 'known-bad.malicious.example';
}

interface NetworkShape {
  readonly direction: 'INBOUND' | 'OUTBOUND';
  readonly port: number;
  readonly portName: string;
  readonly protocol: 'TCP' | 'UDP';
}

function networkShape(technique: string): NetworkShape {
  const out = (port: number, portName: string, protocol: 'TCP' | 'UDP' = 'TCP'): NetworkShape => ({
    direction: 'OUTBOUND',
    port,
    portName,
    protocol,
  });
  const inbound = (port: number, portName: string): NetworkShape => ({
    direction: 'INBOUND',
    port,
    portName,
    protocol: 'TCP',
  });
  if (technique.startsWith('SSHBruteForce')) return inbound(22, 'SSH');
  if (technique.startsWith('RDPBruteForce')) return inbound(3389, 'RDP');
  if (technique.startsWith('WinRMBruteForce')) return inbound(5985, 'WinRM');
  if (technique.startsWith('TorRelay')) return inbound(9001, 'Unknown');
  if (technique.startsWith('MaliciousIPCaller')) return inbound(443, 'HTTPS');
  if (technique.startsWith('TorClient')) return out(9001, 'Unknown');
  if (technique.startsWith('Spambot')) return out(25, 'SMTP');
  if (technique === 'DenialOfService.Dns' || technique === 'UnusualDNSResolver') return out(53, 'DNS', 'UDP');
  if (technique === 'DenialOfService.Udp' || technique === 'DenialOfService.UdpOnTcpPorts')
    return out(80, 'HTTP', 'UDP');
  if (technique.startsWith('BitcoinTool')) return out(3333, 'Unknown');
  if (technique === 'UnusualDoTActivity') return out(853, 'Unknown');
  if (technique === 'NetworkPortUnusual') return out(6667, 'Unknown');
  if (technique.startsWith('Blackhole')) return out(80, 'HTTP');
  return out(443, 'HTTPS');
}

function networkConnectionAction(ctx: SampleContext, technique: string): Json {
  const shape = networkShape(technique);
  const ephemeral = { port: 32768 + ctx.random.int(28000), portName: 'Unknown' };
  const service = { port: shape.port, portName: shape.portName };
  return {
    actionType: 'NETWORK_CONNECTION',
    networkConnectionAction: {
      connectionDirection: shape.direction,
      remoteIpDetails: remoteIpDetails(ctx),
      remotePortDetails: shape.direction === 'OUTBOUND' ? service : ephemeral,
      localPortDetails: shape.direction === 'OUTBOUND' ? ephemeral : service,
      localIpDetails: { ipAddressV4: privateIp(ctx) },
      protocol: shape.protocol,
      blocked: false,
    },
  };
}

function dnsRequestAction(ctx: SampleContext, technique: string): Json {
  const domain = threatDomain(ctx, technique);
  return {
    actionType: 'DNS_REQUEST',
    dnsRequestAction: {
      domain,
      protocol: 'UDP',
      blocked: false,
      domainWithSuffix: domain.split('.').slice(-2).join('.'),
    },
  };
}

function portProbeAction(ctx: SampleContext, emr: boolean): Json {
  const ports = emr
    ? [[8088, 'Unknown']]
    : [
        [22, 'SSH'],
        [3389, 'RDP'],
        [443, 'HTTPS'],
      ];
  const remote = remoteIpDetails(ctx);
  return {
    actionType: 'PORT_PROBE',
    portProbeAction: {
      portProbeDetails: ports.map(([port, portName]) => ({
        localPortDetails: { port, portName },
        localIpDetails: { ipAddressV4: privateIp(ctx) },
        remoteIpDetails: remote,
      })),
      blocked: false,
    },
  };
}

/** The API a type's evidence names, by its tactic and technique. */
function apiCall(tactic: string, technique: string, s3: boolean): { api: string; serviceName: string } {
  const call = (api: string, serviceName: string) => ({ api, serviceName });
  if (technique === 'CloudTrailLoggingDisabled') return call('StopLogging', 'cloudtrail.amazonaws.com');
  if (technique === 'PasswordPolicyChange') return call('UpdateAccountPasswordPolicy', 'iam.amazonaws.com');
  if (technique.startsWith('ConsoleLoginSuccess')) return call('ConsoleLogin', 'signin.amazonaws.com');
  if (technique === 'BedrockLoggingDisabled')
    return call('DeleteModelInvocationLoggingConfiguration', 'bedrock.amazonaws.com');
  if (technique === 'AccountBlockPublicAccessDisabled')
    return call('PutAccountPublicAccessBlock', 's3.amazonaws.com');
  if (technique === 'BucketBlockPublicAccessDisabled')
    return call('PutBucketPublicAccessBlock', 's3.amazonaws.com');
  if (technique === 'BucketPublicAccessGranted' || technique === 'BucketAnonymousAccessGranted')
    return call('PutBucketPolicy', 's3.amazonaws.com');
  if (technique === 'ServerAccessLoggingDisabled') return call('PutBucketLogging', 's3.amazonaws.com');
  if (
    technique.startsWith('InstanceCredentialExfiltration') ||
    technique.startsWith('ResourceCredentialExfiltration')
  ) {
    return call('DescribeInstances', 'ec2.amazonaws.com');
  }
  if (s3) {
    if (technique.endsWith('.Delete') || tactic === 'Impact') return call('DeleteObject', 's3.amazonaws.com');
    if (technique.endsWith('.Permission')) return call('PutBucketAcl', 's3.amazonaws.com');
    if (technique.endsWith('.Write')) return call('PutObject', 's3.amazonaws.com');
    if (tactic === 'Exfiltration') return call('GetObject', 's3.amazonaws.com');
    return call('ListObjects', 's3.amazonaws.com');
  }
  if (tactic === 'CredentialAccess') return call('GetSecretValue', 'secretsmanager.amazonaws.com');
  if (tactic === 'DefenseEvasion' || tactic === 'Stealth')
    return call('DeleteTrail', 'cloudtrail.amazonaws.com');
  if (tactic === 'Exfiltration') return call('CreateSnapshot', 'ec2.amazonaws.com');
  if (tactic === 'Impact') return call('TerminateInstances', 'ec2.amazonaws.com');
  if (tactic === 'Persistence') return call('CreateAccessKey', 'iam.amazonaws.com');
  if (tactic === 'PrivilegeEscalation') return call('AttachUserPolicy', 'iam.amazonaws.com');
  if (tactic === 'InitialAccess') return call('GetSessionToken', 'sts.amazonaws.com');
  return call('ListUsers', 'iam.amazonaws.com');
}

function awsApiCallAction(
  ctx: SampleContext,
  tactic: string,
  technique: string,
  s3: boolean,
  bucket?: string,
): Json {
  const { api, serviceName } = apiCall(tactic, technique, s3);
  const pentest = tactic === 'PenTest';
  return {
    actionType: 'AWS_API_CALL',
    awsApiCallAction: {
      api,
      serviceName,
      callerType: 'Remote IP',
      remoteIpDetails: remoteIpDetails(ctx),
      userAgent: pentest
        ? `aws-cli/2.15.0 Python/3.11 Linux/6.5.0-${technique.replace('Linux', '').toLowerCase()} exe/x86_64`
        : 'aws-cli/2.15.0 Python/3.11 Darwin/23.4.0',
      ...(technique.startsWith('ConsoleLogin') ? {} : { errorCode: '' }),
      affectedResources: bucket === undefined ? {} : { 'AWS::S3::Bucket': bucket },
    },
  };
}

function kubernetesAction(ctx: SampleContext, tactic: string, technique: string): Json {
  if (technique === 'AnomalousBehavior.PermissionChecked') {
    return {
      actionType: 'KUBERNETES_PERMISSION_CHECKED',
      kubernetesPermissionCheckedDetails: {
        verb: 'create',
        resource: 'pods',
        namespace: 'kube-system',
        allowed: true,
      },
    };
  }
  if (technique === 'AnomalousBehavior.RoleBindingCreated') {
    return {
      actionType: 'KUBERNETES_ROLE_BINDING_DETAILS',
      kubernetesRoleBindingDetails: {
        kind: 'ClusterRoleBinding',
        name: `binding-${ctx.random.hex(5)}`,
        uid: uuid(ctx),
        roleRefName: 'cluster-admin',
        roleRefKind: 'ClusterRole',
      },
    };
  }
  if (technique === 'AnomalousBehavior.RoleCreated') {
    return {
      actionType: 'KUBERNETES_ROLE_DETAILS',
      kubernetesRoleDetails: { kind: 'ClusterRole', name: `role-${ctx.random.hex(5)}`, uid: uuid(ctx) },
    };
  }
  const request = (verb: string, requestUri: string) => ({ verb, requestUri });
  let call = request('list', '/api/v1/namespaces/default/pods');
  if (tactic === 'CredentialAccess')
    call = request('get', '/api/v1/namespaces/default/secrets/db-credentials');
  else if (tactic === 'Execution' && technique.includes('Exec'))
    call = request('create', '/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-x2b4k/exec');
  else if (technique.includes('WorkloadDeployed') || tactic === 'Execution')
    call = request('create', '/apis/apps/v1/namespaces/default/deployments');
  else if (tactic === 'Persistence')
    call = request('create', '/apis/apps/v1/namespaces/kube-system/daemonsets');
  else if (tactic === 'Impact') call = request('delete', '/api/v1/namespaces/default/pods/api-7f9c');
  else if (tactic === 'DefenseEvasion') call = request('delete', '/api/v1/namespaces/default/events');
  else if (tactic === 'PrivilegeEscalation')
    call = request('create', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings');
  else if (technique === 'AnonymousAccessGranted')
    call = request('create', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings');
  else if (technique === 'AdminAccessToDefaultServiceAccount')
    call = request('create', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings');
  else if (technique.includes('Dashboard'))
    call = request('patch', '/api/v1/namespaces/kubernetes-dashboard/services/kubernetes-dashboard');
  const remote = remoteIpDetails(ctx);
  return {
    actionType: 'KUBERNETES_API_CALL',
    kubernetesApiCallAction: {
      requestUri: call.requestUri,
      verb: call.verb,
      sourceIps: [remote.ipAddressV4],
      userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
      remoteIpDetails: remote,
      statusCode: 200,
    },
  };
}

function rdsLoginAction(ctx: SampleContext, technique: string, user: string, application: string): Json {
  const failed =
    technique.includes('FailedLogin') || technique.includes('BruteForce') ? 20 + ctx.random.int(200) : 0;
  const succeeded = technique.includes('Successful') ? 1 : 0;
  return {
    actionType: 'RDS_LOGIN_ATTEMPT',
    rdsLoginAttemptAction: {
      remoteIpDetails: remoteIpDetails(ctx),
      LoginAttributes: [
        { user, application, failedLoginAttempts: failed, successfulLoginAttempts: succeeded },
      ],
    },
  };
}

const PROCESS_BY_TECHNIQUE: readonly (readonly [RegExp, string])[] = [
  [/CryptoMiner|BitcoinTool/, '/tmp/.cache/xmrig'],
  [/ReverseShell|SuspiciousShellCreated/, '/bin/bash'],
  [/NewBinaryExecuted|MaliciousFileExecuted/, '/tmp/payload'],
  [/FilelessExecution/, '/memfd:payload (deleted)'],
  [/KernelModuleLoaded/, '/usr/sbin/insmod'],
  [/ProcessInjection/, '/tmp/injector'],
  [/PtraceAntiDebugging/, '/tmp/evasive'],
  [/SuspiciousTool/, '/usr/bin/nmap'],
  [/SensitiveFileModified/, '/usr/bin/vi'],
  [/NewLibraryLoaded/, '/usr/bin/python3'],
  [/SuspiciousCommand/, '/usr/bin/curl'],
];

function runtimeDetails(ctx: SampleContext, technique: string): Json {
  const path = PROCESS_BY_TECHNIQUE.find(([pattern]) => pattern.test(technique))?.[1] ?? '/usr/bin/curl';
  const started = isoBefore(ctx, 20);
  const pid = 1000 + ctx.random.int(60000);
  return {
    process: {
      name: path.slice(path.lastIndexOf('/') + 1).split(' ')[0],
      executablePath: path,
      executableSha256: ctx.random.hex(64),
      namespacePid: 1 + ctx.random.int(500),
      pwd: '/tmp',
      pid,
      startTime: started,
      uuid: uuid(ctx),
      parentUuid: uuid(ctx),
      user: 'root',
      userId: 0,
      euid: 0,
      lineage: [
        {
          startTime: started,
          namespacePid: 1,
          userId: 0,
          name: 'containerd-shim',
          pid: pid - 7,
          uuid: uuid(ctx),
          executablePath: '/usr/bin/containerd-shim-runc-v2',
          euid: 0,
          parentUuid: uuid(ctx),
        },
      ],
    },
    context: technique.includes('SensitiveFileModified')
      ? {
          modifiedAt: started,
          modifyingProcess: { executablePath: path },
          targetProcess: { executablePath: '/etc/shadow' },
        }
      : {},
  };
}

const THREATS = [
  'EICAR-Test-File (not a virus)',
  'Trojan.Linux.Generic',
  'Backdoor.Linux.Mirai.A',
  'Coinminer.Linux.XMRig',
];

function ebsVolumeScanDetails(ctx: SampleContext, suspicious: boolean, volumeArn: string): Json {
  const threat = ctx.random.pick(THREATS);
  const severity = suspicious ? 'Low' : ctx.random.pick(['Medium', 'High']);
  const filePath = ctx.random.pick([
    '/tmp/payload.elf',
    '/var/www/html/shell.php',
    '/home/ec2-user/.cache/miner',
  ]);
  return {
    scanId: ctx.random.hex(32),
    scanStartedAt: isoBefore(ctx, 30),
    scanCompletedAt: isoBefore(ctx, 10),
    triggerFindingId: ctx.random.hex(32),
    sources: ['Bitdefender', 'Amazon'],
    scanType: 'GUARDDUTY_INITIATED',
    scanDetections: {
      scannedItemCount: { totalGb: 8, files: 20000 + ctx.random.int(80000), volumes: 1 },
      threatsDetectedItemCount: { files: 1 },
      highestSeverityThreatDetails: { severity, threatName: threat, count: 1 },
      threatDetectedByName: {
        itemCount: 1,
        uniqueThreatNameCount: 1,
        shortened: false,
        threatNames: [
          {
            name: threat,
            severity,
            itemCount: 1,
            filePaths: [
              {
                filePath,
                volumeArn,
                hash: ctx.random.hex(64),
                fileName: filePath.slice(filePath.lastIndexOf('/') + 1),
              },
            ],
          },
        ],
      },
    },
  };
}

function malwareScanDetails(ctx: SampleContext, scanType: string, itemPath: string): Json {
  return {
    scanId: ctx.random.hex(32),
    scanType,
    uniqueThreatCount: 1,
    threats: [
      {
        name: ctx.random.pick(THREATS),
        source: 'Amazon',
        itemPaths: [{ nestedItemPath: itemPath, hash: ctx.random.hex(64) }],
      },
    ],
  };
}

const SEQUENCE_SHAPES: Readonly<
  Record<
    string,
    { readonly resourceType: string; readonly service: string; readonly apis: readonly string[] }
  >
> = {
  EC2: {
    resourceType: 'EC2_INSTANCE',
    service: 'ec2',
    apis: ['ec2:RunInstances', 'ec2:AuthorizeSecurityGroupIngress'],
  },
  ECS: { resourceType: 'ECS_CLUSTER', service: 'ecs', apis: ['ecs:RunTask', 'ecs:ExecuteCommand'] },
  EKS: {
    resourceType: 'EKS_CLUSTER',
    service: 'eks',
    apis: ['eks:CreateAccessEntry', 'eks:DescribeCluster'],
  },
  IAM: {
    resourceType: 'ACCESS_KEY',
    service: 'iam',
    apis: ['iam:CreateUser', 'iam:AttachUserPolicy', 'cloudtrail:DeleteTrail'],
  },
  S3: {
    resourceType: 'S3_BUCKET',
    service: 's3',
    apis: ['s3:GetObject', 's3:DeleteObject', 's3:PutBucketPublicAccessBlock'],
  },
};

function attackSequence(ctx: SampleContext, resource: string): Json {
  const shape = SEQUENCE_SHAPES[resource] ?? SEQUENCE_SHAPES.IAM!;
  const user = ctx.random.pick(['john_doe', 'deploy-bot', 'contractor-7']);
  const o = ctx.random.pick(ORGANIZATIONS);
  const endpointIp = documentationIp(ctx);
  const resourceUid =
    shape.resourceType === 'S3_BUCKET' ? `customer-exports-${ctx.random.hex(6)}` : awsId(ctx, shape.service);
  const signals = [
    ['Discovery:IAMUser/AnomalousBehavior', 'Low'],
    ['DefenseEvasion:IAMUser/AnomalousBehavior', 'Medium'],
    ['Exfiltration:S3/AnomalousBehavior', 'High'],
  ].map(([name, severity], i) => ({
    uid: ctx.random.hex(32),
    type: 'FINDING',
    name,
    description: `${name} observed for ${user}`,
    severity: severity === 'Low' ? 2 : severity === 'Medium' ? 5 : 8,
    count: 1 + ctx.random.int(5),
    createdAt: isoBefore(ctx, 180 - i * 40),
    updatedAt: isoBefore(ctx, 170 - i * 40),
    firstSeenAt: isoBefore(ctx, 180 - i * 40),
    lastSeenAt: isoBefore(ctx, 170 - i * 40),
    resourceIds: [resourceUid],
    actorIds: ['actor-1'],
    endpointIds: ['endpoint-1'],
  }));
  return {
    sequence: {
      uid: ctx.random.hex(32),
      description: `A sequence of ${signals.length} signals involving ${user} was observed.`,
      actors: [
        {
          id: 'actor-1',
          user: {
            name: user,
            uid: `AIDA${ctx.random.hex(17).toUpperCase()}`,
            type: 'IAMUser',
            credentialUid: `ASIA${ctx.random.hex(16).toUpperCase()}`,
            account: { uid: ctx.account },
          },
          session: { mfaStatus: 'DISABLED', createdTime: isoBefore(ctx, 200) },
        },
      ],
      resources: [
        {
          uid: resourceUid,
          name: resourceUid,
          accountId: ctx.account,
          resourceType: shape.resourceType,
          region: ctx.region,
          service: shape.service,
          cloudPartition: ctx.partition,
          tags: [],
          data: {},
        },
      ],
      endpoints: [
        {
          id: 'endpoint-1',
          ip: endpointIp,
          location: { city: o.city, country: o.country, lat: o.lat, lon: o.lon },
          autonomousSystem: { name: o.org, number: Number(o.asn) },
          connection: { direction: 'INBOUND' },
        },
      ],
      signals,
      sequenceIndicators: [
        { key: 'ATTACK_TACTIC', values: ['Discovery', 'Defense Evasion', 'Exfiltration'] },
        {
          key: 'ATTACK_TECHNIQUE',
          values: [
            'T1526 - Cloud Service Discovery',
            'T1562.008 - Impair Defenses: Disable or Modify Cloud Logs',
            'T1530 - Data from Cloud Storage',
          ],
        },
        { key: 'HIGH_RISK_API', values: shape.apis },
      ],
    },
  };
}

interface Shape {
  readonly resource: Json;
  readonly action?: Json;
  readonly service?: Json;
  readonly resourceRole?: string;
  readonly featureName: string;
  /** How the finding's text names the resource, e.g. `EC2 instance i-0abc…`. */
  readonly label: string;
}

function nameOf(details: Json, ...keys: string[]): string {
  let current: unknown = details;
  for (const key of keys) current = (current as Json | undefined)?.[key];
  return typeof current === 'string' ? current : '';
}

function shapeFor(ctx: SampleContext, type: string, category: GuardDutyCategory): Shape {
  const { tactic, resource, technique } = splitType(type);
  switch (category) {
    case 'EC2': {
      const instance = instanceDetails(ctx);
      const label = `EC2 instance ${instance.instanceId}`;
      let action: Json;
      if (technique.startsWith('PortProbe')) action = portProbeAction(ctx, technique.includes('EMR'));
      else if (
        technique.includes('!DNS') ||
        technique.includes('DomainRequest') ||
        technique === 'DNSDataExfiltration' ||
        technique === 'MetadataDNSRebind'
      )
        action = dnsRequestAction(ctx, technique);
      else action = networkConnectionAction(ctx, technique);
      const inbound =
        (action.networkConnectionAction as Json | undefined)?.connectionDirection === 'INBOUND' ||
        action.actionType === 'PORT_PROBE';
      return {
        resource: { resourceType: 'Instance', instanceDetails: instance },
        action,
        resourceRole: inbound ? 'TARGET' : 'ACTOR',
        featureName: action.actionType === 'DNS_REQUEST' ? 'DnsLogs' : 'FlowLogs',
        label,
      };
    }
    case 'IAM': {
      const userType = technique.includes('RootCredentialUsage')
        ? 'Root'
        : technique.includes('CredentialExfiltration')
          ? 'AssumedRole'
          : 'IAMUser';
      const key = accessKeyDetails(ctx, userType);
      return {
        resource: { resourceType: 'AccessKey', accessKeyDetails: key },
        action: awsApiCallAction(ctx, tactic, technique, false),
        resourceRole: 'TARGET',
        featureName: 'CloudTrail',
        label: `${key.userType} ${key.userName}`,
      };
    }
    case 'S3': {
      const isPublic =
        technique.includes('PublicAccessGranted') || technique.includes('AnonymousAccessGranted');
      const buckets = s3BucketDetails(ctx, { isPublic });
      const bucket = nameOf(buckets[0]!, 'name');
      return {
        resource: {
          resourceType: 'S3Bucket',
          accessKeyDetails: accessKeyDetails(ctx, 'IAMUser'),
          s3BucketDetails: buckets,
        },
        action: awsApiCallAction(ctx, tactic, technique, true, bucket),
        resourceRole: 'TARGET',
        featureName:
          technique.startsWith('AccountBlock') || tactic === 'Policy' || tactic === 'Stealth'
            ? 'CloudTrail'
            : 'S3DataEvents',
        label: `S3 bucket ${bucket}`,
      };
    }
    case 'EKS': {
      const cluster = eksClusterDetails(ctx);
      const anonymous = technique.includes('SuccessfulAnonymousAccess');
      const privileged = technique.includes('PrivilegedContainer') || technique.includes('SensitiveMount');
      const workload =
        technique.includes('Workload') || tactic === 'Execution' || tactic === 'Persistence' || privileged;
      return {
        resource: {
          resourceType: 'EKSCluster',
          eksClusterDetails: cluster,
          kubernetesDetails: kubernetesDetails(ctx, {
            anonymous,
            privileged,
            workload,
            namespace: technique.includes('KubeSystem') ? 'kube-system' : 'default',
          }),
        },
        action: kubernetesAction(ctx, tactic, technique),
        resourceRole: 'TARGET',
        featureName: 'EksAuditLogs',
        label: `EKS cluster ${cluster.name}`,
      };
    }
    case 'Runtime': {
      const host = ctx.random.pick(['Instance', 'EKSCluster', 'ECSCluster'] as const);
      const container = containerDetails(ctx);
      let resourceSection: Json;
      let label: string;
      if (host === 'Instance') {
        const instance = instanceDetails(ctx);
        resourceSection = { resourceType: 'Instance', instanceDetails: instance };
        label = `EC2 instance ${instance.instanceId}`;
      } else if (host === 'EKSCluster') {
        const cluster = eksClusterDetails(ctx);
        resourceSection = {
          resourceType: 'EKSCluster',
          eksClusterDetails: cluster,
          kubernetesDetails: kubernetesDetails(ctx, { workload: true }),
          containerDetails: container,
        };
        label = `container ${container.name} in EKS cluster ${cluster.name}`;
      } else {
        const cluster = ecsClusterDetails(ctx);
        resourceSection = {
          resourceType: 'ECSCluster',
          ecsClusterDetails: cluster,
          containerDetails: container,
        };
        label = `container ${container.name} in ECS cluster ${cluster.name}`;
      }
      let action: Json | undefined;
      if (
        technique.includes('!DNS') ||
        technique.includes('DomainRequest') ||
        technique === 'MetadataDNSRebind'
      )
        action = dnsRequestAction(ctx, technique);
      else if (/C&C|BitcoinTool|Blackhole|DropPoint|Tor/.test(technique))
        action = networkConnectionAction(ctx, technique);
      return {
        resource: resourceSection,
        ...(action === undefined ? {} : { action }),
        service: { runtimeDetails: runtimeDetails(ctx, technique) },
        featureName: 'RuntimeMonitoring',
        label,
      };
    }
    case 'Lambda': {
      const fn = lambdaDetails(ctx);
      return {
        resource: { resourceType: 'Lambda', lambdaDetails: fn },
        action: networkConnectionAction(ctx, technique),
        resourceRole: 'ACTOR',
        featureName: 'LambdaNetworkLogs',
        label: `Lambda function ${fn.functionName}`,
      };
    }
    case 'RDS': {
      const rds = rdsDetails(ctx);
      const user = nameOf(rds, 'rdsDbUserDetails', 'user');
      const application = nameOf(rds, 'rdsDbUserDetails', 'application');
      return {
        resource: { resourceType: 'RDSDBInstance', ...rds },
        action: rdsLoginAction(ctx, technique, user, application),
        resourceRole: 'TARGET',
        featureName: 'RdsLoginEvents',
        label: `RDS DB instance ${nameOf(rds, 'rdsDbInstanceDetails', 'dbInstanceIdentifier')}`,
      };
    }
    case 'MalwareProtectionEC2': {
      const volumes = ebsVolumeDetails(ctx);
      const volumeArn = nameOf((volumes.scannedVolumeDetails as Json[])[0]!, 'volumeArn');
      const suspicious = technique.startsWith('Suspicious');
      const scan = { ebsVolumeScanDetails: ebsVolumeScanDetails(ctx, suspicious, volumeArn) };
      const instance = instanceDetails(ctx);
      let section: Json = { resourceType: 'Instance', instanceDetails: instance, ebsVolumeDetails: volumes };
      let label = `EC2 instance ${instance.instanceId}`;
      if (resource === 'ECS') {
        const cluster = ecsClusterDetails(ctx);
        section = { resourceType: 'ECSCluster', ecsClusterDetails: cluster, ebsVolumeDetails: volumes };
        label = `ECS cluster ${cluster.name}`;
      } else if (resource === 'Kubernetes') {
        const cluster = eksClusterDetails(ctx);
        section = {
          resourceType: 'EKSCluster',
          eksClusterDetails: cluster,
          kubernetesDetails: kubernetesDetails(ctx, { workload: true }),
          ebsVolumeDetails: volumes,
        };
        label = `EKS cluster ${cluster.name}`;
      } else if (resource === 'Container') {
        const container = containerDetails(ctx);
        section = {
          resourceType: 'Container',
          containerDetails: container,
          instanceDetails: instance,
          ebsVolumeDetails: volumes,
        };
        label = `container ${container.name} on EC2 instance ${instance.instanceId}`;
      }
      return { resource: section, service: scan, featureName: 'EbsMalwareProtection', label };
    }
    case 'MalwareProtectionS3': {
      const key = `uploads/${ctx.random.hex(8)}/invoice.pdf.exe`;
      const buckets = s3BucketDetails(ctx, { objectKey: key });
      return {
        resource: { resourceType: 'S3Object', s3BucketDetails: buckets },
        service: { malwareScanDetails: malwareScanDetails(ctx, 'S3_OBJECT', key) },
        featureName: 'S3MalwareProtection',
        label: `S3 object ${nameOf(buckets[0]!, 'name')}/${key}`,
      };
    }
    case 'MalwareProtectionBackup': {
      const target = technique.endsWith('!Snapshot')
        ? 'Snapshot'
        : technique.endsWith('!AMI')
          ? 'AMI'
          : resource === 'S3'
            ? 'S3RecoveryPoint'
            : 'EC2RecoveryPoint';
      const section = backupResource(ctx, target);
      return {
        resource: section,
        service: {
          malwareScanDetails: malwareScanDetails(
            ctx,
            'BACKUP_INITIATED',
            target === 'S3RecoveryPoint' ? 'reports/2024/q3.zip' : '/usr/local/bin/updater',
          ),
        },
        featureName: 'BackupMalwareProtection',
        label: `${target === 'Snapshot' ? 'EBS snapshot' : target === 'AMI' ? 'AMI' : 'recovery point'}`,
      };
    }
    case 'AttackSequence':
      return {
        resource: { resourceType: 'AttackSequence' },
        service: { detection: attackSequence(ctx, resource) },
        resourceRole: 'TARGET',
        featureName: 'Correlation',
        label: `${resource} resources`,
      };
  }
}

function words(technique: string): string {
  return technique
    .replace(/!.*$/, '')
    .replace(/\./g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

/** The sample `GuardDuty Finding` event for one finding type. */
export function guardDutySample(
  ctx: SampleContext,
  type: string,
  category: GuardDutyCategory,
  severity: DefaultSeverity,
): EventEnvelope {
  const id = ctx.random.hex(32);
  const detectorId = ctx.random.hex(32);
  const shape = shapeFor(ctx, type, category);
  const { tactic, technique } = splitType(type);
  const createdAt = isoBefore(ctx, 60 + ctx.random.int(600));
  const updatedAt = isoBefore(ctx, 0);
  const detail = {
    schemaVersion: '2.0',
    accountId: ctx.account,
    region: ctx.region,
    partition: ctx.partition,
    id,
    arn: `arn:${ctx.partition}:guardduty:${ctx.region}:${ctx.account}:detector/${detectorId}/finding/${id}`,
    type,
    resource: shape.resource,
    service: {
      serviceName: 'guardduty',
      detectorId,
      ...(shape.action === undefined ? {} : { action: shape.action }),
      ...shape.service,
      ...(shape.resourceRole === undefined ? {} : { resourceRole: shape.resourceRole }),
      additionalInfo: { value: '{"sample":true}', type: 'default', sample: true },
      featureName: shape.featureName,
      eventFirstSeen: createdAt,
      eventLastSeen: updatedAt,
      archived: false,
      count: 1 + ctx.random.int(20),
    },
    severity: severityScore(ctx, severity),
    createdAt,
    updatedAt,
    title: `${tactic} activity on ${shape.label}: ${words(technique)}.`,
    description: `This is a sample finding of type ${type}. GuardDuty observed ${words(technique)} involving ${shape.label}.`,
  };
  return {
    version: '0',
    id: uuid(ctx),
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: ctx.account,
    time: `${updatedAt.slice(0, 19)}Z`,
    region: ctx.region,
    resources: [],
    detail,
  };
}
