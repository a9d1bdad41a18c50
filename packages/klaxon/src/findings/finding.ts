/**
 * The normalized finding every other part of Klaxon works on. Parsers in this folder build it
 * from GuardDuty, Security Hub ASFF, Security Hub OCSF (Findings Imported V2) and generic
 * EventBridge events; routing, rendering and actions read only this shape (plus `raw` when a
 * renderer or an action needs a product-specific field).
 */

/** Severity labels on one scale for every product (ASFF's labels; GuardDuty's bands map onto them). */
export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** Where a finding came from. `event` is any other EventBridge event, routed generically. */
export type FindingSource = 'guardduty' | 'securityhub' | 'securityhub-ocsf' | 'event';

/** A severity on the 0–10 scale with its label. */
export interface Severity {
  /** 0.0–10.0; GuardDuty's own score, ASFF `Severity.Normalized / 10`, OCSF mapped from `severity_id`. */
  readonly score: number;
  readonly label: SeverityLabel;
}

/** What a responder needs to know about one affected resource, at a glance. */
export interface ResourceSummary {
  /** Resource kind as the product names it, e.g. `Instance`, `AccessKey`, `AwsS3Bucket`. */
  readonly kind: string;
  /** The identifier a responder would search for: instance id, access key id, bucket name, ARN. */
  readonly id: string;
  /** Human name where one exists (EC2 `Name` tag, user name, cluster name). */
  readonly name?: string;
  /** Ordered label → value pairs for display, e.g. `{ "Public IP": "203.0.113.7", "VPC": "vpc-1" }`. */
  readonly details: Readonly<Record<string, string>>;
}

/** Who or what acted, where the product says so (GuardDuty `service.action`, OCSF `actor`). */
export interface Actor {
  readonly ip?: string;
  readonly country?: string;
  readonly city?: string;
  readonly organization?: string;
  readonly asn?: string;
  readonly userAgent?: string;
  /** API or action observed, e.g. `ListBuckets`, `DNS_REQUEST`, `PORT_PROBE`. */
  readonly api?: string;
  readonly serviceName?: string;
  readonly domain?: string;
  readonly principal?: string;
  /** Process observed by GuardDuty Runtime Monitoring: executable path (or name) and pid. */
  readonly process?: string;
}

/** The EventBridge envelope the finding arrived in. */
export interface EventEnvelope {
  readonly version?: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources?: readonly string[];
  readonly detail?: unknown;
  readonly [extra: string]: unknown;
}

/** One finding, normalized. */
export interface Finding {
  /** Stable identity: GuardDuty `detail.arn`; ASFF `ProductArn|Id`; OCSF `finding_info.uid`; generic: event id. */
  readonly key: string;
  readonly source: FindingSource;
  /** Product name for display, e.g. `GuardDuty`, `Security Hub`, `IAM Access Analyzer`. */
  readonly product: string;
  /** Finding type, e.g. `Recon:EC2/PortProbeUnprotectedPort`, an ASFF `Types[0]`, or a control id. */
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly severity: Severity;
  readonly account: string;
  readonly region: string;
  /** `aws`, `aws-cn`, `aws-us-gov` (or another partition name found in an ARN). */
  readonly partition: string;
  /** ISO-8601 where the product gave a parseable time; the product's text otherwise. */
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** How many times the product has seen it (GuardDuty `service.count`); 1 when not given. */
  readonly count: number;
  /** ASFF `Workflow.Status` / OCSF `status`: NEW, NOTIFIED, RESOLVED, SUPPRESSED. */
  readonly workflowStatus?: string;
  /** ASFF `RecordState` / GuardDuty archived: ACTIVE or ARCHIVED. */
  readonly recordState?: string;
  /** ASFF `Compliance.Status`: PASSED, FAILED, WARNING, NOT_AVAILABLE. */
  readonly complianceStatus?: string;
  /** Deep link into the console of the finding's partition. */
  readonly consoleUrl?: string;
  readonly resources: readonly ResourceSummary[];
  readonly actor?: Actor;
  /** True for GuardDuty's generated sample findings. */
  readonly sample: boolean;
  /** The product's own finding object (GuardDuty `detail`, one ASFF finding, the OCSF finding). */
  readonly raw: unknown;
  /** The EventBridge event the finding arrived in (for rules, transformers and actions). */
  readonly event: EventEnvelope;
}
