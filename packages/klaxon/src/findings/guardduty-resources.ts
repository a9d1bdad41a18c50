/**
 * The at-a-glance view of a GuardDuty finding: which resources it concerns (from `resource.*Details`,
 * chosen by `resource.resourceType`), malware scan results, attack sequences, and the actor (from
 * `service.action`, `service.runtimeDetails` and `service.detection.sequence`).
 *
 * GuardDuty's generated sample findings carry every details section whatever their type (an IAM
 * sample has `instanceDetails` too); summarizing only the sections of the declared resourceType
 * keeps a responder from chasing an instance that has nothing to do with an access-key finding.
 * An unknown resourceType gets every section that is present, so new kinds still show something.
 */
import type { Actor, ResourceSummary } from './finding.js';
import { at, list, scalarText, text, textAt } from './json-reader.js';
import {
  type ActorDraft,
  asnText,
  type DetailRow,
  finishActor,
  joinTexts,
  mergeActor,
  resourceSummary,
  tagValue,
} from './summary.js';

type Section = (resource: unknown) => ResourceSummary[];

const MAX_LISTED = 5;

function firstOf(values: readonly unknown[], max = MAX_LISTED): string | undefined {
  const joined = joinTexts(values.slice(0, max));
  if (joined === undefined) return undefined;
  return values.length > max ? `${joined} (+${values.length - max} more)` : joined;
}

const instance: Section = (resource) => {
  const d = at(resource, 'instanceDetails');
  const id = textAt(d, 'instanceId');
  if (id === undefined) return [];
  const nics = list(at(d, 'networkInterfaces'));
  const groups = nics.flatMap((nic) =>
    list(at(nic, 'securityGroups')).map((g) => {
      const groupId = textAt(g, 'groupId');
      const groupName = textAt(g, 'groupName');
      return groupId !== undefined && groupName !== undefined
        ? `${groupId} (${groupName})`
        : (groupId ?? groupName);
    }),
  );
  const rows: DetailRow[] = [
    ['Instance type', textAt(d, 'instanceType')],
    ['State', textAt(d, 'instanceState')],
    ['Public IP', firstOf(nics.map((nic) => at(nic, 'publicIp')))],
    ['Private IP', firstOf(nics.map((nic) => at(nic, 'privateIpAddress')))],
    ['VPC', firstOf([...new Set(nics.map((nic) => textAt(nic, 'vpcId')))])],
    ['Subnet', firstOf([...new Set(nics.map((nic) => textAt(nic, 'subnetId')))])],
    ['Security groups', firstOf(groups)],
    ['Availability zone', textAt(d, 'availabilityZone')],
    ['Image', textAt(d, 'imageId')],
    ['Instance profile', textAt(d, 'iamInstanceProfile', 'arn')],
  ];
  return [resourceSummary('Instance', id, tagValue(at(d, 'tags'), 'Name'), rows)];
};

const accessKey: Section = (resource) => {
  const d = at(resource, 'accessKeyDetails');
  const keyId = textAt(d, 'accessKeyId');
  const user = textAt(d, 'userName');
  const principal = textAt(d, 'principalId');
  const id = keyId ?? principal ?? user;
  if (id === undefined) return [];
  const rows: DetailRow[] = [
    ['User', user],
    ['User type', textAt(d, 'userType')],
    ['Principal ID', principal],
  ];
  return [resourceSummary('AccessKey', id, user, rows)];
};

const s3Buckets: Section = (resource) =>
  list(at(resource, 's3BucketDetails')).flatMap((bucket) => {
    const name = textAt(bucket, 'name');
    const arn = textAt(bucket, 'arn');
    const id = name ?? arn;
    if (id === undefined) return [];
    const objects = list(at(bucket, 's3ObjectDetails'));
    const rows: DetailRow[] = [
      ['ARN', arn],
      ['Role', textAt(bucket, 'type')],
      ['Effective permission', textAt(bucket, 'publicAccess', 'effectivePermission')],
      ['Encryption', textAt(bucket, 'defaultServerSideEncryption', 'encryptionType')],
      ['Objects', firstOf(objects.map((o) => at(o, 'key')))],
      [
        'Object hash',
        firstOf(
          objects.map((o) => at(o, 'hash')),
          1,
        ),
      ],
    ];
    return [resourceSummary('S3Bucket', id, name, rows)];
  });

const eksCluster: Section = (resource) => {
  const d = at(resource, 'eksClusterDetails');
  const name = textAt(d, 'name');
  const id = name ?? textAt(d, 'arn');
  if (id === undefined) return [];
  return [
    resourceSummary('EKSCluster', id, name, [
      ['ARN', textAt(d, 'arn')],
      ['VPC', textAt(d, 'vpcId')],
      ['Status', textAt(d, 'status')],
    ]),
  ];
};

const kubernetes: Section = (resource) => {
  const result: ResourceSummary[] = [];
  const workload = at(resource, 'kubernetesDetails', 'kubernetesWorkloadDetails');
  const workloadName = textAt(workload, 'name');
  if (workloadName !== undefined) {
    const namespace = textAt(workload, 'namespace');
    const containers = list(at(workload, 'containers'));
    const privileged = containers.some((c) => at(c, 'securityContext', 'privileged') === true);
    result.push(
      resourceSummary(
        'KubernetesWorkload',
        namespace === undefined ? workloadName : `${namespace}/${workloadName}`,
        workloadName,
        [
          ['Type', textAt(workload, 'type')],
          ['Namespace', namespace],
          ['Images', firstOf(containers.map((c) => at(c, 'image')))],
          ['Privileged', privileged ? 'yes' : undefined],
        ],
      ),
    );
  }
  const user = at(resource, 'kubernetesDetails', 'kubernetesUserDetails');
  const username = textAt(user, 'username');
  if (username !== undefined) {
    result.push(
      resourceSummary('KubernetesUser', username, undefined, [
        ['UID', textAt(user, 'uid')],
        ['Groups', firstOf(list(at(user, 'groups')))],
        ['Impersonated user', textAt(user, 'impersonatedUser', 'username')],
      ]),
    );
  }
  return result;
};

const ecsCluster: Section = (resource) => {
  const d = at(resource, 'ecsClusterDetails');
  const name = textAt(d, 'name');
  const id = name ?? textAt(d, 'arn');
  if (id === undefined) return [];
  const task = at(d, 'taskDetails');
  return [
    resourceSummary('ECSCluster', id, name, [
      ['ARN', textAt(d, 'arn')],
      ['Task', textAt(task, 'arn')],
      ['Task definition', textAt(task, 'definitionArn')],
      ['Launch type', textAt(task, 'launchType')],
      ['Images', firstOf(list(at(task, 'containers')).map((c) => at(c, 'image')))],
    ]),
  ];
};

const container: Section = (resource) => {
  const d = at(resource, 'containerDetails');
  const name = textAt(d, 'name');
  const id = textAt(d, 'id') ?? name;
  if (id === undefined) return [];
  return [
    resourceSummary('Container', id, name, [
      ['Image', textAt(d, 'image')],
      ['Runtime', textAt(d, 'containerRuntime')],
      ['Privileged', at(d, 'securityContext', 'privileged') === true ? 'yes' : undefined],
    ]),
  ];
};

const lambda: Section = (resource) => {
  const d = at(resource, 'lambdaDetails');
  const name = textAt(d, 'functionName');
  const id = name ?? textAt(d, 'functionArn');
  if (id === undefined) return [];
  return [
    resourceSummary('Lambda', id, name, [
      ['ARN', textAt(d, 'functionArn')],
      ['Version', textAt(d, 'functionVersion')],
      ['Role', textAt(d, 'role')],
      ['VPC', textAt(d, 'vpcConfig', 'vpcId')],
      ['Subnets', firstOf(list(at(d, 'vpcConfig', 'subnetIds')))],
    ]),
  ];
};

const rdsInstance: Section = (resource) => {
  const d = at(resource, 'rdsDbInstanceDetails');
  const name = textAt(d, 'dbInstanceIdentifier');
  const id = name ?? textAt(d, 'dbInstanceArn');
  if (id === undefined) return [];
  return [
    resourceSummary('RDSDBInstance', id, name, [
      ['Engine', joinTexts([at(d, 'engine'), at(d, 'engineVersion')], ' ')],
      ['Cluster', textAt(d, 'dbClusterIdentifier')],
      ['ARN', textAt(d, 'dbInstanceArn')],
    ]),
  ];
};

const rdsLimitless: Section = (resource) => {
  const d = at(resource, 'rdsLimitlessDbDetails');
  const name = textAt(d, 'dbShardGroupIdentifier');
  const id = name ?? textAt(d, 'dbShardGroupArn');
  if (id === undefined) return [];
  return [
    resourceSummary('RDSLimitlessDB', id, name, [
      ['Engine', joinTexts([at(d, 'engine'), at(d, 'engineVersion')], ' ')],
      ['Cluster', textAt(d, 'dbClusterIdentifier')],
      ['ARN', textAt(d, 'dbShardGroupArn')],
    ]),
  ];
};

const rdsUser: Section = (resource) => {
  const d = at(resource, 'rdsDbUserDetails');
  const user = textAt(d, 'user');
  if (user === undefined) return [];
  return [
    resourceSummary('RDSDBUser', user, undefined, [
      ['Database', textAt(d, 'database')],
      ['Application', textAt(d, 'application')],
      ['Auth method', textAt(d, 'authMethod')],
      ['SSL', textAt(d, 'ssl')],
    ]),
  ];
};

const ebsSnapshot: Section = (resource) => {
  const arn = textAt(resource, 'ebsSnapshotDetails', 'snapshotArn');
  return arn === undefined ? [] : [resourceSummary('EBSSnapshot', arn, undefined, [])];
};

const ec2Image: Section = (resource) => {
  const arn = textAt(resource, 'ec2ImageDetails', 'imageArn');
  return arn === undefined ? [] : [resourceSummary('EC2Image', arn, undefined, [])];
};

const recoveryPoint: Section = (resource) => {
  const d = at(resource, 'recoveryPointDetails');
  const arn = textAt(d, 'recoveryPointArn');
  return arn === undefined
    ? []
    : [resourceSummary('RecoveryPoint', arn, undefined, [['Backup vault', textAt(d, 'backupVaultName')]])];
};

const ALL_SECTIONS: readonly Section[] = [
  instance,
  accessKey,
  s3Buckets,
  eksCluster,
  kubernetes,
  ecsCluster,
  container,
  lambda,
  rdsInstance,
  rdsLimitless,
  rdsUser,
  ebsSnapshot,
  ec2Image,
  recoveryPoint,
];

/** Which details sections describe each resourceType, most important first. */
const SECTIONS_BY_TYPE: ReadonlyMap<string, readonly Section[]> = new Map([
  ['Instance', [instance]],
  ['AccessKey', [accessKey]],
  ['S3Bucket', [s3Buckets, accessKey]],
  ['S3Object', [s3Buckets]],
  ['EKSCluster', [eksCluster, kubernetes]],
  ['ECSCluster', [ecsCluster, container]],
  ['Container', [container, eksCluster, kubernetes, ecsCluster]],
  ['Lambda', [lambda]],
  ['RDSDBInstance', [rdsInstance, rdsUser]],
  ['RDSLimitlessDB', [rdsLimitless, rdsUser]],
  ['EBSSnapshot', [ebsSnapshot]],
  ['EC2Image', [ec2Image]],
  ['RecoveryPoint', [recoveryPoint, s3Buckets]],
  ['AttackSequence', []],
]);

/** EBS volume scans (Malware Protection for EC2) and object/backup scans (for S3 and Backup). */
function malwareScans(detail: unknown): ResourceSummary[] {
  const result: ResourceSummary[] = [];
  const ebs = at(detail, 'service', 'ebsVolumeScanDetails');
  if (ebs !== undefined && ebs !== null) {
    const detections = at(ebs, 'scanDetections');
    const threats = list(at(detections, 'threatDetectedByName', 'threatNames'));
    const highest = at(detections, 'highestSeverityThreatDetails');
    const highestName = textAt(highest, 'threatName');
    const highestSeverity = textAt(highest, 'severity');
    result.push(
      resourceSummary('MalwareScan', textAt(ebs, 'scanId') ?? 'EBS volume scan', undefined, [
        ['Threats', firstOf(threats.map((t) => at(t, 'name')))],
        [
          'Highest severity',
          highestName === undefined
            ? highestSeverity
            : joinTexts([highestName, highestSeverity && `(${highestSeverity})`], ' '),
        ],
        ['Infected files', scalarText(at(detections, 'threatsDetectedItemCount', 'files'))],
        ['Scanned files', scalarText(at(detections, 'scannedItemCount', 'files'))],
        [
          'File paths',
          firstOf(
            threats.flatMap((t) => list(at(t, 'filePaths')).map((p) => at(p, 'filePath'))),
            3,
          ),
        ],
        [
          'Volumes',
          firstOf(
            list(at(detail, 'resource', 'ebsVolumeDetails', 'scannedVolumeDetails')).map((v) =>
              at(v, 'volumeArn'),
            ),
            3,
          ),
        ],
        ['Scan type', textAt(ebs, 'scanType')],
        ['Trigger finding', textAt(ebs, 'triggerFindingId')],
      ]),
    );
  }
  const scan = at(detail, 'service', 'malwareScanDetails');
  if (scan !== undefined && scan !== null) {
    const threats = list(at(scan, 'threats'));
    const paths = threats.flatMap((t) => [
      ...list(at(t, 'itemPaths')).map((p) => at(p, 'nestedItemPath')),
      ...list(at(t, 'itemDetails')).map((p) => at(p, 'itemPath')),
    ]);
    result.push(
      resourceSummary('MalwareScan', textAt(scan, 'scanId') ?? 'malware scan', undefined, [
        ['Threats', firstOf(threats.map((t) => at(t, 'name')))],
        ['Unique threats', scalarText(at(scan, 'uniqueThreatCount'))],
        ['File paths', firstOf(paths, 3)],
        ['Scan type', textAt(scan, 'scanType')],
      ]),
    );
  }
  return result;
}

const MAX_SEQUENCE_RESOURCES = 10;

/** Extended Threat Detection: the sequence itself, then the resources it names. */
function attackSequence(detail: unknown): ResourceSummary[] {
  const sequence = at(detail, 'service', 'detection', 'sequence');
  const isSequence = textAt(detail, 'resource', 'resourceType') === 'AttackSequence';
  if (!isSequence && (sequence === undefined || sequence === null)) return [];
  const indicators = list(at(sequence, 'sequenceIndicators'));
  const indicatorValues = (key: string) =>
    indicators.filter((i) => textAt(i, 'key') === key).flatMap((i) => list(at(i, 'values')));
  const signals = list(at(sequence, 'signals'));
  const resources = list(at(sequence, 'resources'));
  const result: ResourceSummary[] = [
    resourceSummary(
      'AttackSequence',
      textAt(sequence, 'uid') ?? textAt(detail, 'id') ?? 'attack sequence',
      undefined,
      [
        ['Signals', signals.length > 0 ? String(signals.length) : undefined],
        ['Tactics', firstOf(indicatorValues('ATTACK_TACTIC'))],
        ['Techniques', firstOf(indicatorValues('ATTACK_TECHNIQUE'))],
        ['Actors', firstOf(list(at(sequence, 'actors')).map((a) => at(a, 'user', 'name')))],
        ['Endpoints', firstOf(list(at(sequence, 'endpoints')).map((e) => at(e, 'ip') ?? at(e, 'domain')))],
        ['Resources', resources.length > 0 ? String(resources.length) : undefined],
      ],
    ),
  ];
  for (const r of resources.slice(0, MAX_SEQUENCE_RESOURCES)) {
    const uid = textAt(r, 'uid');
    if (uid === undefined) continue;
    result.push(
      resourceSummary(textAt(r, 'resourceType') ?? 'Resource', uid, textAt(r, 'name'), [
        ['Account', textAt(r, 'accountId')],
        ['Region', textAt(r, 'region')],
        ['Service', textAt(r, 'service')],
      ]),
    );
  }
  return result;
}

/** Resource summaries of a GuardDuty finding (`detail`), primary resource first. */
export function guardDutyResources(detail: unknown): ResourceSummary[] {
  const resource = at(detail, 'resource');
  const resourceType = textAt(resource, 'resourceType');
  const sections =
    (resourceType === undefined ? undefined : SECTIONS_BY_TYPE.get(resourceType)) ?? ALL_SECTIONS;
  return [
    ...sections.flatMap((section) => section(resource)),
    ...malwareScans(detail),
    ...attackSequence(detail),
  ];
}

function remoteIp(details: unknown): ActorDraft {
  return {
    ip: textAt(details, 'ipAddressV4') ?? textAt(details, 'ipAddressV6'),
    country: textAt(details, 'country', 'countryName'),
    city: textAt(details, 'city', 'cityName'),
    organization:
      textAt(details, 'organization', 'asnOrg') ??
      textAt(details, 'organization', 'org') ??
      textAt(details, 'organization', 'isp'),
    asn: asnText(at(details, 'organization', 'asn')),
  };
}

function actionActor(action: unknown, actionType: string | undefined): ActorDraft {
  const api = at(action, 'awsApiCallAction');
  if (api !== undefined && api !== null) {
    return {
      ...remoteIp(at(api, 'remoteIpDetails')),
      api: textAt(api, 'api'),
      serviceName: textAt(api, 'serviceName'),
      userAgent: textAt(api, 'userAgent'),
      domain: textAt(api, 'domainDetails', 'domain'),
    };
  }
  const k8s = at(action, 'kubernetesApiCallAction');
  if (k8s !== undefined && k8s !== null) {
    const draft = remoteIp(at(k8s, 'remoteIpDetails'));
    draft.ip ??= text(list(at(k8s, 'sourceIps'))[0]);
    return {
      ...draft,
      api: joinTexts([at(k8s, 'verb'), at(k8s, 'requestUri')], ' '),
      userAgent: textAt(k8s, 'userAgent'),
    };
  }
  const network = at(action, 'networkConnectionAction');
  if (network !== undefined && network !== null)
    return { ...remoteIp(at(network, 'remoteIpDetails')), api: actionType };
  const probe = at(action, 'portProbeAction', 'portProbeDetails', 0, 'remoteIpDetails');
  if (probe !== undefined) return { ...remoteIp(probe), api: actionType };
  const dns = at(action, 'dnsRequestAction');
  if (dns !== undefined && dns !== null) return { domain: textAt(dns, 'domain'), api: actionType };
  const rds = at(action, 'rdsLoginAttemptAction');
  if (rds !== undefined && rds !== null) {
    return {
      ...remoteIp(at(rds, 'remoteIpDetails')),
      api: actionType,
      principal: textAt(rds, 'LoginAttributes', 0, 'user'),
    };
  }
  return { api: actionType };
}

/** Who acted in a GuardDuty finding, or undefined when the finding does not say. */
export function guardDutyActor(detail: unknown): Actor | undefined {
  const service = at(detail, 'service');
  const action = at(service, 'action');
  const draft = actionActor(action, textAt(action, 'actionType'));
  const process = at(service, 'runtimeDetails', 'process');
  const executable = textAt(process, 'executablePath') ?? textAt(process, 'name');
  const pid = scalarText(at(process, 'pid'));
  mergeActor(draft, {
    process:
      executable === undefined ? undefined : pid === undefined ? executable : `${executable} (pid ${pid})`,
    principal:
      textAt(detail, 'resource', 'kubernetesDetails', 'kubernetesUserDetails', 'username') ??
      textAt(detail, 'resource', 'rdsDbUserDetails', 'user'),
  });
  const sequence = at(service, 'detection', 'sequence');
  const endpoint = at(sequence, 'endpoints', 0);
  mergeActor(draft, {
    principal: textAt(sequence, 'actors', 0, 'user', 'name'),
    ip: textAt(endpoint, 'ip'),
    domain: textAt(endpoint, 'domain'),
    country: textAt(endpoint, 'location', 'country'),
    city: textAt(endpoint, 'location', 'city'),
    organization: textAt(endpoint, 'autonomousSystem', 'name'),
    asn: asnText(at(endpoint, 'autonomousSystem', 'number')),
  });
  return finishActor(draft);
}
