/**
 * The `resource` sections of GuardDuty sample findings, shaped like GuardDuty's own
 * (`instanceDetails`, `accessKeyDetails`, `s3BucketDetails`, `eksClusterDetails`,
 * `kubernetesDetails`, `ecsClusterDetails`, `containerDetails`, `lambdaDetails`,
 * `rdsDbInstanceDetails`, `rdsDbUserDetails`, `ebsVolumeDetails`, `ebsSnapshotDetails`,
 * `ec2ImageDetails`, `recoveryPointDetails`). Names, ids and addresses are drawn from the sample's
 * random stream; public addresses are documentation ranges, domains end in `.example`.
 */
import { awsId, documentationIp, isoBefore, privateIp, type SampleContext, uuid } from './context.js';

const INSTANCE_NAMES = ['web-01', 'build-runner', 'bastion', 'payments-api', 'etl-worker'];
const USER_NAMES = ['alice', 'deploy-bot', 'ci-user', 'data-analyst', 'ops-admin'];
const BUCKET_NAMES = ['customer-exports', 'app-logs', 'finance-reports', 'ml-training-data', 'static-assets'];
const CLUSTER_NAMES = ['prod-cluster', 'staging-cluster', 'analytics'];
const IMAGES = ['nginx:1.27', 'python:3.12-slim', 'ghcr.io/example/api:2.4.1', 'busybox:1.36'];

function arn(
  ctx: SampleContext,
  service: string,
  resource: string,
  region = ctx.region,
  account = ctx.account,
): string {
  return `arn:${ctx.partition}:${service}:${region}:${account}:${resource}`;
}

/** `instanceDetails` of an EC2 instance with one network interface and a Name tag. */
export function instanceDetails(ctx: SampleContext): Record<string, unknown> {
  const ip = privateIp(ctx);
  const vpcId = awsId(ctx, 'vpc');
  const name = ctx.random.pick(INSTANCE_NAMES);
  return {
    instanceId: awsId(ctx, 'i'),
    instanceType: ctx.random.pick(['t3.medium', 'm6i.large', 'c7g.xlarge']),
    launchTime: isoBefore(ctx, 60 * 24 * (10 + ctx.random.int(300))),
    platform: null,
    productCodes: [],
    iamInstanceProfile: {
      arn: `arn:${ctx.partition}:iam::${ctx.account}:instance-profile/${name}-profile`,
      id: `AIPA${ctx.random.hex(17).toUpperCase()}`,
    },
    networkInterfaces: [
      {
        ipv6Addresses: [],
        networkInterfaceId: awsId(ctx, 'eni'),
        privateDnsName: `ip-${ip.replaceAll('.', '-')}.${ctx.region}.compute.internal`,
        privateIpAddress: ip,
        privateIpAddresses: [
          {
            privateDnsName: `ip-${ip.replaceAll('.', '-')}.${ctx.region}.compute.internal`,
            privateIpAddress: ip,
          },
        ],
        subnetId: awsId(ctx, 'subnet'),
        vpcId,
        securityGroups: [{ groupName: `${name}-sg`, groupId: awsId(ctx, 'sg') }],
        publicDnsName: '',
        publicIp: documentationIp(ctx),
      },
    ],
    outpostArn: null,
    tags: [
      { key: 'Name', value: name },
      { key: 'Environment', value: ctx.random.pick(['production', 'staging']) },
    ],
    instanceState: 'running',
    availabilityZone: `${ctx.region}${ctx.random.pick(['a', 'b', 'c'])}`,
    imageId: awsId(ctx, 'ami'),
    imageDescription: 'Amazon Linux 2023 AMI',
  };
}

/** `accessKeyDetails` of an IAM user, root, or an assumed role. */
export function accessKeyDetails(
  ctx: SampleContext,
  userType: 'IAMUser' | 'Root' | 'AssumedRole',
): Record<string, unknown> {
  const userName = userType === 'Root' ? 'Root' : ctx.random.pick(USER_NAMES);
  return {
    accessKeyId: `${userType === 'IAMUser' ? 'AKIA' : 'ASIA'}${ctx.random.hex(16).toUpperCase()}`,
    principalId: userType === 'Root' ? ctx.account : `AIDA${ctx.random.hex(17).toUpperCase()}`,
    userName,
    userType,
  };
}

/** One `s3BucketDetails` entry; `effectivePermission` PUBLIC for the public-access types. */
export function s3BucketDetails(
  ctx: SampleContext,
  options: { readonly isPublic?: boolean; readonly objectKey?: string } = {},
): Record<string, unknown>[] {
  const name = `${ctx.random.pick(BUCKET_NAMES)}-${ctx.random.hex(6)}`;
  const blocked = {
    ignorePublicAcls: !options.isPublic,
    restrictPublicBuckets: !options.isPublic,
    blockPublicAcls: !options.isPublic,
    blockPublicPolicy: !options.isPublic,
  };
  const bucket: Record<string, unknown> = {
    arn: `arn:${ctx.partition}:s3:::${name}`,
    name,
    type: 'Destination',
    createdAt: isoBefore(ctx, 60 * 24 * 400),
    owner: { id: ctx.random.hex(64) },
    tags: [{ key: 'data-classification', value: ctx.random.pick(['internal', 'confidential']) }],
    defaultServerSideEncryption: {
      encryptionType: ctx.random.pick(['AES256', 'aws:kms']),
      kmsMasterKeyArn: null,
    },
    publicAccess: {
      permissionConfiguration: {
        bucketLevelPermissions: {
          accessControlList: { allowsPublicReadAccess: false, allowsPublicWriteAccess: false },
          bucketPolicy: { allowsPublicReadAccess: options.isPublic === true, allowsPublicWriteAccess: false },
          blockPublicAccess: blocked,
        },
        accountLevelPermissions: { blockPublicAccess: blocked },
      },
      effectivePermission: options.isPublic ? 'PUBLIC' : 'NOT_PUBLIC',
    },
  };
  if (options.objectKey !== undefined) {
    bucket.s3ObjectDetails = [
      {
        objectArn: `arn:${ctx.partition}:s3:::${name}/${options.objectKey}`,
        key: options.objectKey,
        eTag: ctx.random.hex(32),
        hash: ctx.random.hex(64),
        versionId: ctx.random.hex(32),
      },
    ];
  }
  return [bucket];
}

/** `eksClusterDetails` of an EKS cluster. */
export function eksClusterDetails(ctx: SampleContext): Record<string, unknown> {
  const name = ctx.random.pick(CLUSTER_NAMES);
  return {
    name,
    arn: arn(ctx, 'eks', `cluster/${name}`),
    vpcId: awsId(ctx, 'vpc'),
    status: 'ACTIVE',
    tags: [],
    createdAt: isoBefore(ctx, 60 * 24 * 200),
  };
}

function containerEntry(ctx: SampleContext, privileged: boolean): Record<string, unknown> {
  const image = ctx.random.pick(IMAGES);
  return {
    containerRuntime: 'containerd',
    id: ctx.random.hex(64),
    name: image.split(/[/:]/).at(-2) ?? 'app',
    image,
    imagePrefix: image.includes('/') ? image.slice(0, image.indexOf('/')) : 'docker.io',
    securityContext: { privileged, allowPrivilegeEscalation: privileged },
    volumeMounts: privileged ? [{ name: 'host-root', mountPath: '/host' }] : [],
  };
}

/** `kubernetesDetails`: the Kubernetes user and (when a workload is involved) the workload. */
export function kubernetesDetails(
  ctx: SampleContext,
  options: {
    readonly anonymous?: boolean;
    readonly privileged?: boolean;
    readonly namespace?: string;
    readonly workload?: boolean;
  },
): Record<string, unknown> {
  const namespace = options.namespace ?? 'default';
  const details: Record<string, unknown> = {
    kubernetesUserDetails: options.anonymous
      ? { username: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] }
      : {
          username: `arn:${ctx.partition}:sts::${ctx.account}:assumed-role/${ctx.random.pick(['eks-admin', 'developer'])}/session-${ctx.random.hex(6)}`,
          uid: `aws-iam-authenticator:${ctx.account}:AROA${ctx.random.hex(17).toUpperCase()}`,
          groups: ['system:authenticated'],
          sessionName: [`session-${ctx.random.hex(6)}`],
        },
  };
  if (options.workload !== false) {
    const name = `${ctx.random.pick(['api', 'worker', 'debug', 'metrics'])}-${ctx.random.hex(5)}`;
    details.kubernetesWorkloadDetails = {
      name,
      type: ctx.random.pick(['deployments', 'pods', 'daemonsets']),
      uid: uuid(ctx),
      namespace,
      hostNetwork: options.privileged === true,
      containers: [containerEntry(ctx, options.privileged === true)],
      volumes: options.privileged ? [{ name: 'host-root', hostPath: { path: '/' } }] : [],
    };
  }
  return details;
}

/** `ecsClusterDetails` with one running task. */
export function ecsClusterDetails(ctx: SampleContext): Record<string, unknown> {
  const name = ctx.random.pick(CLUSTER_NAMES);
  const taskId = ctx.random.hex(32);
  return {
    name,
    arn: arn(ctx, 'ecs', `cluster/${name}`),
    status: 'ACTIVE',
    activeServicesCount: 1 + ctx.random.int(5),
    registeredContainerInstancesCount: 0,
    runningTasksCount: 1 + ctx.random.int(20),
    tags: [],
    taskDetails: {
      arn: arn(ctx, 'ecs', `task/${name}/${taskId}`),
      definitionArn: arn(ctx, 'ecs', `task-definition/${name}-app:${1 + ctx.random.int(40)}`),
      version: String(1 + ctx.random.int(100)),
      taskCreatedAt: isoBefore(ctx, 60 * 5),
      startedAt: isoBefore(ctx, 60 * 5),
      startedBy: `ecs-svc/${ctx.random.hex(19)}`,
      launchType: ctx.random.pick(['FARGATE', 'EC2']),
      containers: [containerEntry(ctx, false)],
    },
  };
}

/** `containerDetails` of a single container. */
export function containerDetails(ctx: SampleContext, privileged = false): Record<string, unknown> {
  return containerEntry(ctx, privileged);
}

/** `lambdaDetails` of a function inside a VPC. */
export function lambdaDetails(ctx: SampleContext): Record<string, unknown> {
  const name = `${ctx.random.pick(['image-resizer', 'order-webhook', 'nightly-report'])}`;
  return {
    functionArn: arn(ctx, 'lambda', `function:${name}`),
    functionName: name,
    description: '',
    lastModifiedAt: isoBefore(ctx, 60 * 24 * 3),
    revisionId: uuid(ctx),
    functionVersion: '$LATEST',
    role: `arn:${ctx.partition}:iam::${ctx.account}:role/${name}-role`,
    vpcConfig: {
      subnetIds: [awsId(ctx, 'subnet')],
      vpcId: awsId(ctx, 'vpc'),
      securityGroups: [{ groupName: `${name}-sg`, groupId: awsId(ctx, 'sg') }],
    },
    tags: [],
  };
}

/** `rdsDbInstanceDetails` and `rdsDbUserDetails` of an Aurora instance and the database user. */
export function rdsDetails(ctx: SampleContext): Record<string, unknown> {
  const engine = ctx.random.pick(['aurora-postgresql', 'aurora-mysql']);
  const id = `${ctx.random.pick(['orders', 'billing', 'users'])}-db-instance-1`;
  return {
    rdsDbInstanceDetails: {
      dbInstanceIdentifier: id,
      engine,
      engineVersion: engine === 'aurora-postgresql' ? '16.4' : '8.0.mysql_aurora.3.07.1',
      dbClusterIdentifier: id.replace('-instance-1', '-cluster'),
      dbInstanceArn: arn(ctx, 'rds', `db:${id}`),
      tags: [],
    },
    rdsDbUserDetails: {
      user: ctx.random.pick(['admin', 'app_user', 'postgres']),
      application: ctx.random.pick(['psql', 'mysql', 'DBeaver']),
      database: ctx.random.pick(['orders', 'billing']),
      ssl: 'true',
      authMethod: 'PASSWORD',
    },
  };
}

/** `ebsVolumeDetails` of the volume a malware scan read. */
export function ebsVolumeDetails(ctx: SampleContext): Record<string, unknown> {
  return {
    scannedVolumeDetails: [
      {
        volumeArn: arn(ctx, 'ec2', `volume/${awsId(ctx, 'vol')}`),
        volumeType: 'gp3',
        deviceName: '/dev/xvda',
        volumeSizeInGB: 8 * (1 + ctx.random.int(8)),
        encryptionType: 'CMK',
        snapshotArn: arn(ctx, 'ec2', `snapshot/${awsId(ctx, 'snap')}`),
        kmsKeyArn: arn(ctx, 'kms', `key/${uuid(ctx)}`),
      },
    ],
    skippedVolumeDetails: [],
  };
}

/** The resource section of a Malware Protection for Backup finding. */
export function backupResource(
  ctx: SampleContext,
  target: 'Snapshot' | 'AMI' | 'EC2RecoveryPoint' | 'S3RecoveryPoint',
): Record<string, unknown> {
  if (target === 'Snapshot') {
    return {
      resourceType: 'EBSSnapshot',
      ebsSnapshotDetails: { snapshotArn: arn(ctx, 'ec2', `snapshot/${awsId(ctx, 'snap')}`, ctx.region, '') },
    };
  }
  if (target === 'AMI') {
    return {
      resourceType: 'EC2Image',
      ec2ImageDetails: { imageArn: arn(ctx, 'ec2', `image/${awsId(ctx, 'ami')}`, ctx.region, '') },
    };
  }
  const vault = ctx.random.pick(['Default', 'prod-backups']);
  return {
    resourceType: 'RecoveryPoint',
    recoveryPointDetails: {
      recoveryPointArn:
        target === 'S3RecoveryPoint'
          ? arn(ctx, 'backup', `recovery-point:${ctx.random.pick(BUCKET_NAMES)}-${ctx.random.hex(8)}`)
          : arn(ctx, 'ec2', `image/${awsId(ctx, 'ami')}`, ctx.region, ''),
      backupVaultName: vault,
    },
  };
}
