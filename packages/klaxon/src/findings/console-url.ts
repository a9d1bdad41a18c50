/**
 * Deep links into the AWS console of the finding's partition. Console hosts per partition:
 * `https://<region>.console.aws.amazon.com` (aws), `https://console.amazonaws.cn` (aws-cn) and
 * `https://console.amazonaws-us-gov.com` (aws-us-gov), each with `?region=`. Other partitions
 * (ISO regions, European Sovereign Cloud) have consoles this code does not know: no link.
 */
import { isRegion } from './arn.js';
import type { Finding } from './finding.js';
import { textAt } from './json-reader.js';

function consoleOrigin(partition: string, region: string): string | undefined {
  if (partition === 'aws') return `https://${region}.console.aws.amazon.com`;
  if (partition === 'aws-cn') return 'https://console.amazonaws.cn';
  if (partition === 'aws-us-gov') return 'https://console.amazonaws-us-gov.com';
  return undefined;
}

/** The console page of `finding` (GuardDuty or Security Hub ASFF), or undefined when there is none. */
export function consoleUrl(
  finding: Pick<Finding, 'source' | 'key' | 'region' | 'partition'> & { readonly raw?: unknown },
): string | undefined {
  const { region, partition } = finding;
  if (!isRegion(region)) return undefined;
  const origin = consoleOrigin(partition, region);
  if (origin === undefined) return undefined;
  const regionQuery = `region=${region}`;
  if (finding.source === 'guardduty') {
    // The finding id is `detail.id`; the ARN's last segment is the same id in every real event,
    // but test logs exist where the two differ and the console searches by `detail.id`.
    const id = textAt(finding.raw, 'id') ?? finding.key.slice(finding.key.lastIndexOf('/') + 1);
    if (id === '') return undefined;
    return `${origin}/guardduty/home?${regionQuery}#/findings?macros=current&fId=${encodeURIComponent(id)}`;
  }
  if (finding.source === 'securityhub') {
    const separator = finding.key.indexOf('|');
    if (separator < 0) return undefined;
    const id = finding.key.slice(separator + 1);
    // Security Hub's finding search takes `Id=\operator\:EQUALS\:<id>` URL-encoded, then the
    // whole filter is encoded again as the `search` parameter (the console's own link format).
    const filter = `Id=${encodeURIComponent('\\operator\\:EQUALS\\:')}${encodeURIComponent(id)}`;
    return `${origin}/securityhub/home?${regionQuery}#/findings?search=${encodeURIComponent(filter)}`;
  }
  // Security Hub V2 (OCSF) has no documented deep-link format yet, and generic events have no page.
  return undefined;
}
