import type { Delivery } from '../store/ports.js';

/** A delivery as the API and `klaxon deliveries` list it: everything but the finding bodies. */
export function deliverySummary(d: Delivery) {
  return {
    id: d.id,
    state: d.state,
    output: d.output,
    rule: d.rule,
    kind: d.notification.kind,
    findingKey: d.findingKey,
    findings: d.notification.findings.length,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    ...(d.lastError === undefined ? {} : { lastError: d.lastError }),
  };
}
