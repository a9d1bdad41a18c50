import type { Finding } from '../findings/finding.js';
import { idempotencyKey } from './idempotency.js';

const FINDING_LABELS = ['account', 'region', 'type', 'source', 'product', 'severity', 'partition'] as const;

function findingLabel(finding: Finding, rule: string, label: string): string {
  switch (label) {
    case 'account':
      return finding.account;
    case 'region':
      return finding.region;
    case 'type':
      return finding.type;
    case 'source':
      return finding.source;
    case 'product':
      return finding.product;
    case 'severity':
      return finding.severity.label;
    case 'partition':
      return finding.partition;
    case 'rule':
      return rule;
    case 'resource':
      return finding.resources[0]?.id ?? '';
    default:
      return eventPathLabel(finding.event, label);
  }
}

/** A dotted path into the event (`detail.resource.resourceType`); scalars only, '' when absent. */
function eventPathLabel(event: unknown, path: string): string {
  let node: unknown = event;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return '';
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean'
    ? String(node)
    : '';
}

/** The label values a finding is grouped by; `...` means every finding label (Alertmanager's "group by all"). */
export function groupLabels(finding: Finding, rule: string, by: readonly string[]): Record<string, string> {
  const names = by.includes('...') ? [...FINDING_LABELS, ...by.filter((b) => b !== '...')] : by;
  const labels: Record<string, string> = {};
  for (const name of [...new Set(names)].sort()) labels[name] = findingLabel(finding, rule, name);
  return labels;
}

/** The stable key of a rule's group with these labels. */
export function groupKey(rule: string, labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k] ?? '']);
  return `${rule}:${idempotencyKey('group', rule, JSON.stringify(sorted))}`;
}
