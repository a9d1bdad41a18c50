/**
 * Security Hub ASFF events: `Security Hub Findings - Imported` (every create or update, including
 * the ones Klaxon's own BatchUpdateFindings cause) and `Security Hub Findings - Custom Action`
 * (a person chose "send to …" in the console). Both carry full ASFF findings in
 * `detail.findings`, and every one of them becomes a Finding keyed `ProductArn|Id`.
 *
 * Essential fields (an error names the path when absent): Id, ProductArn, AwsAccountId and
 * Severity (Label or Normalized). Other ASFF-required fields such as GeneratorId are not needed to
 * route or display a finding, so their absence is tolerated: dropping a real alert because a
 * producer left out a field we do not use would be the worse failure.
 */
import { isRegion, parseArn } from './arn.js';
import { consoleUrl } from './console-url.js';
import { detailFindings } from './envelope.js';
import { FindingError } from './errors.js';
import type { Actor, EventEnvelope, Finding, ResourceSummary } from './finding.js';
import {
  at,
  childPath,
  describe,
  isObject,
  type JsonObject,
  list,
  positiveInteger,
  requireText,
  scalarText,
  text,
  textAt,
} from './json-reader.js';
import { asffSeverity } from './severity.js';
import {
  type ActorDraft,
  asnText,
  type DetailRow,
  finishActor,
  joinTexts,
  mergeActor,
  resourceSummary,
} from './summary.js';
import { normalizeTimestamp } from './timestamps.js';

/** Display names of AWS integrations, by the `<company>/<product>` part of ProductArn. */
const PRODUCT_NAMES: ReadonlyMap<string, string> = new Map([
  ['aws/securityhub', 'Security Hub'],
  ['aws/guardduty', 'GuardDuty'],
  ['aws/inspector', 'Inspector'],
  ['aws/access-analyzer', 'IAM Access Analyzer'],
  ['aws/macie', 'Macie'],
  ['aws/config', 'Config'],
  ['aws/firewall-manager', 'Firewall Manager'],
  ['aws/health', 'Health'],
  ['aws/ssm-patch-manager', 'Systems Manager Patch Manager'],
  ['aws/detective', 'Detective'],
]);

/** Every ASFF finding of a `Security Hub Findings - Imported` or `- Custom Action` event. */
export function parseAsff(event: EventEnvelope): Finding[] {
  return detailFindings(event, 'ASFF').map((finding, index) =>
    parseOne(event, finding, `detail.findings[${index}]`),
  );
}

function parseOne(event: EventEnvelope, finding: unknown, path: string): Finding {
  if (!isObject(finding))
    throw new FindingError(path, `must be an ASFF finding object, got ${describe(finding)}`);
  const id = requireText(finding, 'Id', path);
  const productArn = requireText(finding, 'ProductArn', path);
  const account = requireText(finding, 'AwsAccountId', path);
  const severity = asffSeverity(at(finding, 'Severity'), childPath(path, 'Severity'));
  const key = `${productArn}|${id}`;
  const productParts = parseArn(productArn);
  const firstResource = at(finding, 'Resources', 0);
  // Region: the finding's own, else its first resource's, else ProductArn's, else where the event
  // was delivered (Access Analyzer findings carry no Region at all).
  const regionCandidates = [textAt(finding, 'Region'), textAt(firstResource, 'Region'), productParts?.region];
  const region = regionCandidates.find((r) => r !== undefined && isRegion(r)) ?? event.region;
  const partition = textAt(firstResource, 'Partition') ?? productParts?.partition ?? 'aws';
  const type =
    controlType(finding) ?? textAt(finding, 'Types', 0) ?? textAt(finding, 'GeneratorId') ?? 'Unknown';
  const productFields = at(finding, 'ProductFields');
  const firstSeen =
    normalizeTimestamp(at(finding, 'FirstObservedAt')) ?? normalizeTimestamp(at(finding, 'CreatedAt'));
  const lastSeen =
    normalizeTimestamp(at(finding, 'LastObservedAt')) ?? normalizeTimestamp(at(finding, 'UpdatedAt'));
  const workflowStatus = textAt(finding, 'Workflow', 'Status') ?? textAt(finding, 'WorkflowState');
  const recordState = textAt(finding, 'RecordState');
  const complianceStatus = textAt(finding, 'Compliance', 'Status');
  const link = consoleUrl({ source: 'securityhub', key, region, partition });
  const actor = asffActor(finding);
  return {
    key,
    source: 'securityhub',
    product: productName(finding, productArn),
    type,
    title: textAt(finding, 'Title') ?? type,
    description: textAt(finding, 'Description') ?? '',
    severity,
    account,
    region,
    partition,
    ...(firstSeen === undefined ? {} : { firstSeen }),
    ...(lastSeen === undefined ? {} : { lastSeen }),
    // Only GuardDuty-in-ASFF says how often it saw the activity; other products: 1.
    count: positiveInteger(at(productFields, 'aws/guardduty/service/count')) ?? 1,
    ...(workflowStatus === undefined ? {} : { workflowStatus }),
    ...(recordState === undefined ? {} : { recordState }),
    ...(complianceStatus === undefined ? {} : { complianceStatus }),
    ...(link === undefined ? {} : { consoleUrl: link }),
    resources: list(at(finding, 'Resources')).flatMap(asffResource),
    ...(actor === undefined ? {} : { actor }),
    sample: textAt(productFields, 'aws/guardduty/service/additionalInfo/sample')?.toLowerCase() === 'true',
    raw: finding,
    event,
  };
}

function productName(finding: JsonObject, productArn: string): string {
  const named =
    textAt(finding, 'ProductName') ?? textAt(finding, 'ProductFields', 'aws/securityhub/ProductName');
  if (named !== undefined) return named;
  const marker = productArn.indexOf(':product/');
  const product = marker < 0 ? productArn : productArn.slice(marker + ':product/'.length);
  return PRODUCT_NAMES.get(product) ?? product;
}

/**
 * A Security Hub control finding's type is its control id: the consolidated
 * `Compliance.SecurityControlId` (e.g. `CloudTrail.2`), else the standard's own `ControlId`
 * (`PCI.KMS.1`) or `RuleId`. CIS ids are bare section numbers (`1.3`) that mean different
 * controls in different CIS versions, so they are qualified with the standard path taken from
 * `StandardsControlArn` or `GeneratorId`: `cis-aws-foundations-benchmark/v/1.2.0/1.3`.
 */
function controlType(finding: JsonObject): string | undefined {
  const consolidated = textAt(finding, 'Compliance', 'SecurityControlId');
  if (consolidated !== undefined) return consolidated;
  const fields = at(finding, 'ProductFields');
  const control = textAt(fields, 'ControlId') ?? textAt(fields, 'RuleId');
  if (control === undefined) return undefined;
  if (!/^\d/.test(control)) return control;
  const controlArn = textAt(fields, 'StandardsControlArn');
  const fromArn = controlArn?.match(/:control\/(.+)$/)?.[1];
  if (fromArn !== undefined) return fromArn;
  const generator = textAt(finding, 'GeneratorId');
  const fromGenerator = generator?.match(/ruleset\/(.+)\/rule\/[^/]+$/)?.[1];
  return fromGenerator === undefined ? control : `${fromGenerator}/${control}`;
}

/** RFC 1918, loopback, link-local and CGNAT IPv4 addresses: not what "public IP" means. */
function isPrivateIpv4(ip: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(ip);
  if (m === null) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** `i-0abc` from `arn:aws:ec2:…:instance/i-0abc`, `my-bucket` from `arn:aws:s3:::my-bucket`, etc. */
function arnTail(id: string): string {
  const parts = parseArn(id);
  if (parts === undefined) return id;
  const slash = parts.resource.lastIndexOf('/');
  return slash < 0 ? parts.resource : parts.resource.slice(slash + 1);
}

const MAX_GENERIC_ROWS = 8;

/** Scalar fields of an unknown Details object, shown as-is (open schema: new types still show something). */
function genericRows(details: unknown): DetailRow[] {
  if (!isObject(details)) return [];
  const rows: DetailRow[] = [];
  for (const [label, value] of Object.entries(details)) {
    const shown = scalarText(value);
    if (shown !== undefined) rows.push([label, shown]);
    if (rows.length === MAX_GENERIC_ROWS) break;
  }
  return rows;
}

function asffResource(resource: unknown): ResourceSummary[] {
  const type = textAt(resource, 'Type');
  const id = textAt(resource, 'Id');
  if (type === undefined || id === undefined) return [];
  const details = at(resource, 'Details', type);
  const nameTag = textAt(resource, 'Tags', 'Name');
  switch (type) {
    case 'AwsEc2Instance': {
      const ips = list(at(details, 'IpV4Addresses')).filter((ip): ip is string => typeof ip === 'string');
      return [
        resourceSummary(type, arnTail(id), nameTag, [
          ['Instance type', textAt(details, 'Type')],
          ['Public IP', joinTexts(ips.filter((ip) => !isPrivateIpv4(ip)))],
          ['Private IP', joinTexts(ips.filter(isPrivateIpv4))],
          ['VPC', textAt(details, 'VpcId')],
          ['Subnet', textAt(details, 'SubnetId')],
          ['Image', textAt(details, 'ImageId')],
          ['Instance profile', textAt(details, 'IamInstanceProfileArn')],
          ['ARN', id],
        ]),
      ];
    }
    case 'AwsIamAccessKey':
      return [
        resourceSummary(
          type,
          textAt(details, 'AccessKeyId') ?? arnTail(id),
          textAt(details, 'UserName') ?? textAt(details, 'PrincipalName'),
          [
            ['User', textAt(details, 'UserName') ?? textAt(details, 'PrincipalName')],
            ['Principal ID', textAt(details, 'PrincipalId')],
            ['Status', textAt(details, 'Status')],
          ],
        ),
      ];
    case 'AwsIamUser':
      return [
        resourceSummary(type, id, textAt(details, 'UserName') ?? arnTail(id), [
          ['User ID', textAt(details, 'UserId')],
        ]),
      ];
    case 'AwsS3Bucket':
      return [
        resourceSummary(type, arnTail(id), nameTag, [
          ['ARN', id],
          ['Owner', textAt(details, 'OwnerName') ?? textAt(details, 'OwnerId')],
          ...genericRows(at(resource, 'Details', 'Other')),
        ]),
      ];
    case 'AwsLambdaFunction':
      return [
        resourceSummary(type, id, textAt(details, 'FunctionName') ?? arnTail(id), [
          ['Runtime', textAt(details, 'Runtime')],
          ['Role', textAt(details, 'Role')],
          ['VPC', textAt(details, 'VpcConfig', 'VpcId')],
        ]),
      ];
    case 'AwsRdsDbInstance':
      return [
        resourceSummary(type, id, textAt(details, 'DBInstanceIdentifier') ?? nameTag, [
          ['Engine', joinTexts([at(details, 'Engine'), at(details, 'EngineVersion')], ' ')],
          ['Publicly accessible', scalarText(at(details, 'PubliclyAccessible'))],
          ['Cluster', textAt(details, 'DBClusterIdentifier')],
        ]),
      ];
    case 'AwsEksCluster':
      return [
        resourceSummary(type, id, textAt(details, 'Name') ?? nameTag, [
          ['Version', textAt(details, 'Version')],
        ]),
      ];
    case 'AwsAccount':
      return [resourceSummary(type, id.replace(/^AWS::::Account:/, ''), undefined, [])];
    case 'Container':
      return [
        resourceSummary(type, id, textAt(details, 'Name'), [
          ['Image', textAt(details, 'ImageName')],
          ['Image ID', textAt(details, 'ImageId')],
        ]),
      ];
    default:
      return [resourceSummary(type, id, nameTag, genericRows(details ?? at(resource, 'Details', 'Other')))];
  }
}

function remoteIp(details: unknown): ActorDraft {
  return {
    ip: textAt(details, 'IpAddressV4'),
    country: textAt(details, 'Country', 'CountryName'),
    city: textAt(details, 'City', 'CityName'),
    organization: textAt(details, 'Organization', 'AsnOrg') ?? textAt(details, 'Organization', 'Org'),
    asn: asnText(at(details, 'Organization', 'Asn')),
  };
}

/**
 * The actor from ASFF `Action` (current GuardDuty/Inspector integrations) and, for older
 * GuardDuty-in-ASFF findings, from the flattened `ProductFields` `aws/guardduty/service/action/…`.
 */
function asffActor(finding: JsonObject): Actor | undefined {
  const action = at(finding, 'Action');
  const actionType = textAt(action, 'ActionType');
  const draft: ActorDraft = {};
  const api = at(action, 'AwsApiCallAction');
  mergeActor(draft, {
    ...remoteIp(at(api, 'RemoteIpDetails')),
    api: textAt(api, 'Api'),
    serviceName: textAt(api, 'ServiceName'),
    domain: textAt(api, 'DomainDetails', 'Domain'),
  });
  mergeActor(draft, remoteIp(at(action, 'NetworkConnectionAction', 'RemoteIpDetails')));
  mergeActor(draft, remoteIp(at(action, 'PortProbeAction', 'PortProbeDetails', 0, 'RemoteIpDetails')));
  mergeActor(draft, { domain: textAt(action, 'DnsRequestAction', 'Domain') });
  const fields = at(finding, 'ProductFields');
  if (isObject(fields)) {
    const byKeySuffix = (suffix: string) => {
      for (const [k, v] of Object.entries(fields)) {
        if (k.startsWith('aws/guardduty/service/action/') && k.endsWith(suffix)) return text(v);
      }
      return undefined;
    };
    mergeActor(draft, {
      ip: byKeySuffix('/remoteIpDetails/ipAddressV4'),
      country: byKeySuffix('/remoteIpDetails/country/countryName'),
      city: byKeySuffix('/remoteIpDetails/city/cityName'),
      organization:
        byKeySuffix('/remoteIpDetails/organization/asnOrg') ??
        byKeySuffix('/remoteIpDetails/organization/org'),
      asn: asnText(byKeySuffix('/remoteIpDetails/organization/asn')),
      api: byKeySuffix('/awsApiCallAction/api'),
      serviceName: byKeySuffix('/awsApiCallAction/serviceName'),
      domain: byKeySuffix('/dnsRequestAction/domain'),
      userAgent: byKeySuffix('/awsApiCallAction/userAgent'),
    });
    mergeActor(draft, { api: textAt(fields, 'aws/guardduty/service/action/actionType') });
  }
  if (draft.api === undefined && actionType !== undefined && finishActor(draft) !== undefined)
    draft.api = actionType;
  return finishActor(draft);
}
