import type { Clock } from '../route/clock.js';
import { digestDeliveries } from '../route/digest.js';
import type { RouteRule } from '../route/rule.js';
import type { Store } from '../store/ports.js';

/**
 * Turns due groups into digest deliveries (Alertmanager's aggregation: the first digest `wait`
 * after a group's first finding, then at most one per `interval`). Each flush is one atomic store
 * call that empties exactly the findings it put in the digest, so nothing is lost or sent twice.
 */
export class GroupFlusher {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #rules: ReadonlyMap<string, RouteRule>;

  constructor(store: Store, clock: Clock, rules: readonly RouteRule[]) {
    this.#store = store;
    this.#clock = clock;
    this.#rules = new Map(rules.map((r) => [r.name, r]));
  }

  /** Flushes every due group; resolves with the number of digest deliveries enqueued. */
  async flushDue(): Promise<number> {
    const now = this.#clock.now();
    let enqueued = 0;
    for (const group of await this.#store.dueGroups(now.toISOString())) {
      const rule = this.#rules.get(group.rule);
      if (rule?.group === undefined) {
        // The rule (or its grouping) left the config: send what was collected once, to its
        // outputs if it still exists, and forget the group.
        const deliveries = rule === undefined ? [] : digestDeliveries(group, rule, now);
        await this.#store.flushGroup(
          group.key,
          now.toISOString(),
          undefined,
          deliveries,
          group.pending.length,
        );
        enqueued += deliveries.length;
        continue;
      }
      const deliveries = digestDeliveries(group, rule, now);
      const next = new Date(now.getTime() + rule.group.interval).toISOString();
      await this.#store.flushGroup(group.key, now.toISOString(), next, deliveries, group.pending.length);
      enqueued += deliveries.length;
    }
    return enqueued;
  }
}
