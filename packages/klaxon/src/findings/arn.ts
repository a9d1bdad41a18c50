/**
 * ARNs and region names found in findings. Both end up in console links, so they are validated
 * rather than trusted: a region like `evil.example/#` must never become part of a URL host.
 */

/** The parts of an ARN: `arn:partition:service:region:account:resource`. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

const PARTITION = /^aws(-[a-z]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** True for an AWS region name such as `us-east-1`, `us-gov-west-1`, `cn-north-1`. */
export function isRegion(value: string): boolean {
  return REGION.test(value);
}

/** True for a partition name such as `aws`, `aws-cn`, `aws-us-gov`. */
export function isPartition(value: string): boolean {
  return PARTITION.test(value);
}

/**
 * The parts of `value` when it is an ARN with a valid partition; region and account may be
 * empty (S3 and IAM ARNs). Malformed ARNs such as the AWS docs' `arn:aws::guardduty:us-east-1:…`
 * still yield their partition; their region is '' because it is not in the region position.
 */
export function parseArn(value: string): ArnParts | undefined {
  if (!value.startsWith('arn:')) return undefined;
  const parts = value.split(':');
  if (parts.length < 6) return undefined;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  if (!isPartition(partition)) return undefined;
  return {
    partition,
    service,
    region: isRegion(region) ? region : '',
    account,
    resource: parts.slice(5).join(':'),
  };
}
