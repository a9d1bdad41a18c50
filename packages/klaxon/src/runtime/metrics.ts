/**
 * Prometheus text exposition (format 0.0.4) for `GET /metrics`: a few counters, histograms and
 * gauges. Small enough that a client library would be more code to configure than this is.
 */
import type { DeliveryObserver } from '../deliver/worker.js';
import type { Store } from '../store/ports.js';

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`,
  );
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A monotonically increasing count per label set. */
export class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** Adds `by` (default 1) to the series with these labels. */
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key);
    if (entry === undefined) this.#values.set(key, { labels, value: by });
    else entry.value += by;
  }

  /** The current value of a series (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels))?.value ?? 0;
  }

  /** Exposition lines. */
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.#values.values())
      lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines;
  }
}

/** A cumulative histogram per label set, with fixed bucket bounds in seconds. */
export class Histogram {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  /** Records one observation (seconds). */
  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Exposition lines. */
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.#series.values()) {
      this.buckets.forEach((le, i) => {
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Every metric `klaxon serve` exposes. */
export class KlaxonMetrics implements DeliveryObserver {
  readonly eventsAccepted = new Counter('klaxon_events_accepted_total', 'Events accepted (202), by ingress.');
  readonly eventsRejected = new Counter(
    'klaxon_events_rejected_total',
    'Requests rejected with a 4xx, by ingress and reason.',
  );
  readonly notifications = new Counter(
    'klaxon_notifications_total',
    'Notifications enqueued, by rule and kind.',
  );
  readonly silenced = new Counter('klaxon_findings_silenced_total', 'Findings held back by a silence.');
  readonly attempts = new Counter('klaxon_delivery_attempts_total', 'Send attempts, by output and result.');
  readonly sendSeconds = new Histogram(
    'klaxon_delivery_send_seconds',
    'Time from picking a delivery up to its outcome, by output.',
    LATENCY_BUCKETS,
  );
  readonly ingestSeconds = new Histogram(
    'klaxon_ingest_seconds',
    'Time from receiving an event request to its durable commit.',
    LATENCY_BUCKETS,
  );

  /** DeliveryObserver: one attempt finished. */
  attempt(output: string, result: 'sent' | 'retry' | 'dead', ms: number): void {
    this.attempts.inc({ output, result });
    this.sendSeconds.observe({ output }, ms / 1000);
  }

  /** The whole exposition, with store-wide gauges read now. */
  async render(store: Store, extra: { inFlight: number }): Promise<string> {
    const stats = await store.stats();
    const lines: string[] = [
      ...this.eventsAccepted.render(),
      ...this.eventsRejected.render(),
      ...this.notifications.render(),
      ...this.silenced.render(),
      ...this.attempts.render(),
      ...this.sendSeconds.render(),
      ...this.ingestSeconds.render(),
      '# HELP klaxon_deliveries Deliveries in the store, by state.',
      '# TYPE klaxon_deliveries gauge',
      ...Object.entries(stats.deliveries).map(
        ([state, n]) => `klaxon_deliveries${labelText({ state })} ${n}`,
      ),
      '# HELP klaxon_stored_events Archived events in the store, by status.',
      '# TYPE klaxon_stored_events gauge',
      ...Object.entries(stats.events).map(
        ([status, n]) => `klaxon_stored_events${labelText({ status })} ${n}`,
      ),
      '# HELP klaxon_deliveries_in_flight Deliveries claimed by this process and not finished.',
      '# TYPE klaxon_deliveries_in_flight gauge',
      `klaxon_deliveries_in_flight ${extra.inFlight}`,
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
