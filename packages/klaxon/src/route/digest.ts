import type { Delivery, Group } from '../store/ports.js';
import { idempotencyKey } from './idempotency.js';
import type { Notification } from './notification.js';
import { pendingDelivery } from './outbox-row.js';
import type { RouteRule } from './rule.js';

/**
 * The digest deliveries for a due group: one notification per output of the rule, holding every
 * pending finding in arrival order. The id hashes the findings it carries, so re-flushing the same
 * pending list after a crash yields the same ids and the store keeps one copy.
 */
export function digestDeliveries(group: Group, rule: RouteRule, now: Date): Delivery[] {
  const first = group.pending[0];
  if (first === undefined) return [];
  const carried = group.pending.map((f) => `${f.key}@${f.event.id}`);
  return rule.notify.map((output) => {
    const notification: Notification = {
      id: idempotencyKey('digest', group.key, output, ...carried),
      kind: 'digest',
      rule: rule.name,
      output,
      findings: group.pending,
      group: { key: group.key, labels: group.labels },
      ...(rule.templates?.[output] === undefined ? {} : { template: rule.templates[output] }),
      createdAt: now.toISOString(),
    };
    return pendingDelivery(notification, first.key, now);
  });
}
